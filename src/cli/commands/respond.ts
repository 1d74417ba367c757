import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline/promises';
import { pino } from 'pino';
import { ConfigError, DEFAULT_CONFIG_FILE, loadConfig } from '../../config/load.js';
import { openResponder } from '../../config/runtime.js';
import type { ApprovalPolicy, ApprovalRequest } from '../../workflows/approval-broker.js';
import { InvalidAlertError, parseAlert } from '../../workflows/alert.js';
import { InvalidRepositoryError } from '../../workflows/incident-context.js';
import { ModelSpecError } from '../../workflows/models.js';
import { PlaybookFileError } from '../../workflows/playbooks.js';
import { formatEntry, isMilestone, statusLine } from '../../workflows/progress.js';
import type { Command } from '../command.js';
import { UsageError } from '../command.js';
import { oneOf, parseArgv } from '../args.js';

const usage = `usage: firebreak respond --alert FILE [options]

Runs the incident-response workflow for one alert: observability -> backend -> devops, routed by severity
(p0 escalates, p1 fixes and deploys, p2 proposes a PR, p3 files a ticket), against the MCP servers in the
config. Prints progress, asks for approvals when required, and writes a post-mortem.

options:
  --alert FILE       the alert: Alertmanager or Grafana webhook, a Prometheus alert, or { title, severity, ... };
                     - reads it from stdin (approval prompts then need the MCP server or the serve API)
  --config FILE      firebreak.config.json (default: ./${DEFAULT_CONFIG_FILE})
  --model M          playbook | anthropic[:MODEL] | replay:FILE (default: the config's model)
  --approve P        auto | require | deny (default: the config's approval.policy)
  --id ID            incident id (default: inc-<date>-<time>-<hex>)
  --resume ID        continue an incident whose process died, from its journal (no --alert)

exit status: 0 resolved (or fix proposed / ticket filed), 1 not resolved, 2 bad input, 130 interrupted.`;

interface RespondArgs {
  alert?: string;
  config?: string;
  model?: string;
  approve?: ApprovalPolicy;
  id?: string;
  resume?: string;
}

/** Parses `respond` arguments; throws UsageError (exit 2) naming the bad flag. */
export function parseRespondArgs(argv: readonly string[]): RespondArgs {
  const { values } = parseArgv(argv, {
    options: {
      alert: { type: 'string' }, config: { type: 'string' }, model: { type: 'string' }, id: { type: 'string' }, resume: { type: 'string' },
      approve: { type: 'string', check: oneOf('auto', 'require', 'deny') },
    },
  });
  const { approve, ...given } = values;
  // oneOf has checked approve; keys stay absent when a flag was not given.
  const out: RespondArgs = { ...given, ...(approve !== undefined ? { approve: approve as ApprovalPolicy } : {}) };
  if (!out.alert && !out.resume) throw new UsageError('--alert FILE is required');
  if (out.alert && out.resume) throw new UsageError('give --alert or --resume, not both');
  return out;
}

/** All of stdin, as UTF-8 (for `--alert -`). Refuses more than 16 MiB: an alert is a few KiB. */
async function readStdin(max = 16 * 1024 * 1024): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin) {
    size += (chunk as Buffer).length;
    if (size > max) throw new Error(`more than ${max} bytes on stdin`);
    chunks.push(chunk as Buffer);
  }
  if (size === 0) throw new Error('stdin is empty');
  return Buffer.concat(chunks).toString('utf8');
}

async function respond(argv: string[]): Promise<number> {
  const args = parseRespondArgs(argv);
  const err = process.stderr;
  const out = process.stdout;
  let alert: unknown;
  if (args.alert) {
    try {
      alert = JSON.parse(args.alert === '-' ? await readStdin() : await readFile(args.alert, 'utf8'));
      parseAlert(alert); // bad input fails here, before any MCP server is started
    } catch (e) {
      err.write(`firebreak respond: ${e instanceof InvalidAlertError ? e.message : `cannot read the alert ${args.alert === '-' ? 'from stdin' : args.alert}: ${(e as Error).message}`}\n`);
      return 2;
    }
  }
  const configFile = args.config ?? DEFAULT_CONFIG_FILE;
  if (!args.config && !existsSync(configFile)) {
    err.write(`firebreak respond: no ${DEFAULT_CONFIG_FILE} here; pass --config FILE (see docs/config.md)\n`);
    return 2;
  }
  const logger = pino({ name: 'firebreak', level: process.env.FIREBREAK_LOG_LEVEL ?? 'error' }, pino.destination(2));
  let runtime;
  try {
    const config = await loadConfig(configFile);
    runtime = await openResponder(config, { ...(args.model ? { model: args.model } : {}), ...(args.approve ? { approve: args.approve } : {}), logger });
  } catch (e) {
    if (e instanceof ConfigError || e instanceof ModelSpecError || e instanceof PlaybookFileError) {
      err.write(`firebreak respond: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  const tty = out.isTTY === true;
  // With `--alert -` stdin was the alert (even typed on a terminal, it has ended): no prompts on it.
  const interactive = tty && process.stdin.isTTY === true && args.alert !== '-';
  const cancel = new AbortController();
  let interrupted = false;
  const onSigint = (): void => {
    interrupted = true;
    prompts.withdraw();
    cancel.abort(new Error('interrupted (SIGINT)'));
  };
  process.once('SIGINT', onSigint);
  let status = '';
  const clear = (): void => {
    if (tty && status) out.write('\r\x1b[2K');
  };
  const prompts = new ApprovalPrompts(runtime.service, interactive, (line) => {
    clear();
    out.write(`${line}\n`);
  }, onSigint, args.config);
  try {
    const started = args.resume
      ? await runtime.service.resume(args.resume, { signal: cancel.signal })
      : await runtime.service.respond(alert, { signal: cancel.signal, ...(args.id ? { id: args.id } : {}), ...(args.approve ? { approve: args.approve } : {}) });
    out.write(`incident ${started.id}: responding with ${runtime.modelLabel} (tools: ${runtime.tools.list().length})\n`);
    let printed = 0;
    // Milestones get a line each; on a TTY the status line below them is redrawn on every change and each second.
    const update = async (): Promise<void> => {
      const record = await runtime.service.get(started.id);
      // While a question is on screen, a line written now would erase it: milestones wait for the answer.
      if (!record || prompts.asking) return;
      for (const e of record.timeline.slice(printed)) {
        if (!isMilestone(e)) continue;
        clear();
        out.write(`${formatEntry(e, record.startedAt)}\n`);
        status = '';
      }
      printed = record.timeline.length;
      if (tty && !record.endedAt && !prompts.asking) {
        status = statusLine(record).slice(0, (out.columns ?? 120) - 1);
        out.write(`\r\x1b[2K${status}`);
      }
    };
    let chain = Promise.resolve();
    const schedule = (): void => {
      chain = chain.then(update, update);
    };
    const unsubscribe = runtime.service.onChange((id) => id === started.id && schedule());
    const timer = tty ? setInterval(schedule, 1000) : undefined;
    timer?.unref();
    prompts.watch(started.id);
    const record = await started.done;
    prompts.withdraw(); // a request the incident no longer waits for (interrupted, stopped) must not keep its question up
    unsubscribe();
    if (timer) clearInterval(timer);
    schedule();
    await chain;
    clear();
    const path = runtime.service.postmortemPath(record.id);
    out.write(`\nincident ${record.id} ${record.status}: ${record.outcome?.summary ?? ''}\n`);
    if (record.endedAt && path) out.write(`post-mortem: ${path}\n`);
    if (interrupted) return 130;
    return record.outcome?.resolved ? 0 : 1;
  } catch (e) {
    if (e instanceof InvalidAlertError || e instanceof InvalidRepositoryError) {
      err.write(`firebreak respond: ${e.message}\n`);
      return 2;
    }
    if (e instanceof Error && /already exists|no incident/.test(e.message)) {
      err.write(`firebreak respond: ${e.message}\n`);
      return 2;
    }
    throw e;
  } finally {
    process.off('SIGINT', onSigint);
    prompts.close();
    await runtime.close();
  }
}

/**
 * Approval requests of one incident: on an interactive TTY, asked one at a time ("Approve ...? [y/N]");
 * elsewhere, announced with the `firebreak approve` command that decides them from any shell (it goes
 * through the memory store) before the timeout escalates.
 * Gotchas: readline puts the terminal in raw mode, so Ctrl-C reaches it as a key, not as SIGINT: it is
 * forwarded to `onInterrupt`. A request decided elsewhere (timeout, `firebreak approve`, the MCP approve
 * tool) withdraws its question.
 */
class ApprovalPrompts {
  #queue: Promise<void> = Promise.resolve();
  #rl: ReturnType<typeof createInterface> | undefined;
  #off: (() => void) | undefined;
  #question: { requestId: string; abort: AbortController } | undefined;
  /** True while a question is on screen: the status line and milestones must not overwrite it. */
  asking = false;

  constructor(
    private readonly service: Awaited<ReturnType<typeof openResponder>>['service'],
    private readonly interactive: boolean,
    private readonly say: (line: string) => void,
    private readonly onInterrupt: () => void,
    /** The --config given to respond: the approve command must open the same memory store. */
    private readonly configFile?: string,
  ) {}

  /** The command that decides `req` from another shell. */
  #approveCommand(incidentId: string, req: ApprovalRequest): string {
    const config = this.configFile ? ` --config ${shellQuote(this.configFile)}` : '';
    return `firebreak approve ${shellQuote(incidentId)} --action ${req.id}${config} (add --reject --reason TEXT to refuse)`;
  }

  watch(incidentId: string): void {
    const onRequested = (req: ApprovalRequest): void => {
      if (req.runId !== incidentId) return;
      if (!this.interactive) {
        const deadline = req.expiresAt ? ` before ${req.expiresAt}` : '';
        this.say(`approval needed: ${req.action} ${JSON.stringify(req.args)} (request ${req.id}); decide it${deadline} with: ${this.#approveCommand(incidentId, req)}`);
        return;
      }
      this.#queue = this.#queue.then(() => this.#ask(incidentId, req)).catch((err: unknown) => {
        this.say(`approval prompt failed: ${(err as Error).message}; decide request ${req.id} with: ${this.#approveCommand(incidentId, req)}`);
      });
    };
    const onDecided = (req: ApprovalRequest): void => {
      if (this.#question?.requestId === req.id) this.withdraw();
    };
    this.service.broker.on('requested', onRequested);
    this.service.broker.on('decided', onDecided);
    this.#off = () => {
      this.service.broker.off('requested', onRequested);
      this.service.broker.off('decided', onDecided);
    };
  }

  /** Takes the open question off the screen, unanswered (its request was decided elsewhere or is gone). */
  withdraw(): void {
    if (!this.#question) return;
    this.#question.abort.abort();
    this.#question = undefined;
    this.asking = false;
    process.stdout.write('\n');
  }

  async #ask(incidentId: string, req: ApprovalRequest): Promise<void> {
    if (!(await this.service.pendingApprovals(incidentId)).some((r) => r.id === req.id)) return;
    if (!this.#rl) {
      this.#rl = createInterface({ input: process.stdin, output: process.stdout });
      this.#rl.on('SIGINT', this.onInterrupt);
    }
    const who = `cli:${process.env.USER ?? 'operator'}`;
    this.say('');
    this.asking = true;
    const question = { requestId: req.id, abort: new AbortController() };
    this.#question = question;
    let answer: string;
    try {
      answer = await this.#rl.question(`Approve ${req.action}${req.persona ? ` for ${req.persona}` : ''} ${JSON.stringify(req.args)}? [y/N] `, { signal: question.abort.signal });
    } catch (err) {
      if (question.abort.signal.aborted) return; // withdrawn
      throw err;
    } finally {
      if (this.#question === question) {
        this.#question = undefined;
        this.asking = false;
      }
    }
    const yes = /^y(es)?$/i.test(answer.trim());
    const decided = yes ? await this.service.approve(incidentId, req.id, who) : await this.service.reject(incidentId, req.id, who, 'declined at the CLI prompt');
    if (!decided) this.say(`request ${req.id} was decided elsewhere first; your answer was not recorded`);
  }

  close(): void {
    this.#off?.();
    this.withdraw();
    this.#rl?.close();
  }
}

export const respondCommand: Command = {
  name: 'respond',
  summary: 'run the incident-response workflow for an alert (observability -> backend -> devops)',
  usage,
  run: respond,
};

/** Quotes a word for a POSIX shell when it needs it, so a printed command can be pasted as is. */
function shellQuote(word: string): string {
  return /^[\w./:@%+=-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
