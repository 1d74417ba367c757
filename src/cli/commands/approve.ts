import { existsSync } from 'node:fs';
import { userInfo } from 'node:os';
import { pino } from 'pino';
import { ConfigError, DEFAULT_CONFIG_FILE, loadConfig } from '../../config/load.js';
import { MemoryKeyError, MemoryUnavailableError, MemoryUrlError } from '../../memory/errors.js';
import { openMemory } from '../../memory/open.js';
import { parseMemoryUrl } from '../../memory/url.js';
import type { MemoryStore } from '../../memory/types.js';
import { redactText } from '../../security/redact.js';
import { ApprovalBroker, isOpen, matchesAction, type ApprovalDecision, type ApprovalRequest } from '../../workflows/approval-broker.js';
import type { ApprovalState } from '../../workflows/approval-ledger.js';
import { IncidentStore } from '../../workflows/incident-store.js';
import { parseArgv } from '../args.js';
import { UsageError, type Command } from '../command.js';

const usage = `usage: firebreak approve INCIDENT [--reject] [--reason TEXT] [--action REQUEST_ID|TOOL] [--config FILE] [--json]

Decides an action incident INCIDENT waits for (a merge, a deploy, a rollback) from any shell. The decision
goes through the memory store named in the config, so the process running the incident (firebreak respond,
firebreak serve, a worker) sees it within a second. It is recorded as cli:$USER; the first decision wins.

options:
  --action ID|TOOL   which pending request: its id (respond prints it) or its tool, e.g. github.merge_pull_request;
                     may be left out when exactly one is pending
  --reject           reject instead of approve: the action is not performed
  --reason TEXT      why; recorded in the timeline, and shown to the workflow on a rejection
  --config FILE      firebreak.config.json (default: ./${DEFAULT_CONFIG_FILE}): where the memory store is
  --json             print the outcome as one JSON object on stdout

exit status: 0 decided; 1 nothing to decide (unknown incident, nothing pending, no such request, already
decided or timed out: the message says which); 2 bad input (flags, config, several requests pending and
no --action).`;

const MAX_REASON = 500;

/** Why nothing was decided; `code` is what --json prints. */
interface Refusal {
  code: 'unknown-incident' | 'nothing-pending' | 'no-match' | 'already-decided' | 'timed-out' | 'ambiguous';
  message: string;
  exit: 1 | 2;
  request?: ApprovalRequest;
  decision?: ApprovalDecision;
  pending?: ApprovalRequest[];
}

async function approve(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgv(argv, {
    options: { reject: { type: 'boolean' }, reason: { type: 'string' }, action: { type: 'string' }, config: { type: 'string' }, json: { type: 'boolean' } },
    others: 'positionals',
  });
  if (positionals.length === 0) throw new UsageError('INCIDENT is required (the incident id respond printed)');
  if (positionals.length > 1) throw new UsageError(`one incident at a time, got ${positionals.length}: ${positionals.join(' ')}`);
  const incident = positionals[0]!;
  if (incident.length > 200) throw new UsageError(`INCIDENT is ${incident.length} characters; incident ids are at most 200`);
  if (values.reason !== undefined && values.reason.length > MAX_REASON) throw new UsageError(`--reason is ${values.reason.length} characters, over the limit of ${MAX_REASON}`);
  const err = process.stderr;
  const configFile = values.config ?? DEFAULT_CONFIG_FILE;
  if (!values.config && !existsSync(configFile)) {
    err.write(`firebreak approve: no ${DEFAULT_CONFIG_FILE} here; pass --config FILE, the config of the process running the incident\n`);
    return 2;
  }
  const logger = pino({ name: 'firebreak', level: process.env.FIREBREAK_LOG_LEVEL ?? 'error' }, pino.destination(2));
  let memory: MemoryStore;
  try {
    const url = (await loadConfig(configFile)).memory;
    const parsed = parseMemoryUrl(url);
    if (parsed.kind === 'memory' || (parsed.kind === 'sqlite' && parsed.path === ':memory:')) {
      err.write(`firebreak approve: ${configFile} keeps memory in the process (${url}); deciding from another process needs a shared store: a sqlite file, postgres:// or redis://\n`);
      return 2;
    }
    memory = await openMemory(url, { logger });
  } catch (e) {
    if (e instanceof ConfigError || e instanceof MemoryUrlError || e instanceof MemoryUnavailableError) {
      err.write(`firebreak approve: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  const print = (value: Record<string, unknown>, text: string, stream: NodeJS.WritableStream): void => {
    if (values.json) process.stdout.write(`${JSON.stringify(value)}\n`);
    else stream.write(`${text}\n`);
  };
  try {
    const broker = new ApprovalBroker({ store: memory, logger });
    const chosen = await choose(memory, broker, incident, values.action);
    if ('code' in chosen) {
      print({ ok: false, incident, error: chosen.code, message: chosen.message, ...details(chosen) }, `firebreak approve: ${chosen.message}`, err);
      return chosen.exit;
    }
    const approved = values.reject !== true;
    const result = await broker.decide(chosen.id, { approved, by: approverName(), reason: values.reason }, { runId: incident });
    if (result.status !== 'decided') {
      const refusal = result.status === 'not-found'
        ? { code: 'no-match' as const, message: `incident ${incident}: request ${chosen.id} is gone`, exit: 1 as const }
        : result.status === 'timed-out'
          ? timedOut(incident, result.request)
          : alreadyDecided(incident, result.request, result.decision);
      print({ ok: false, incident, error: refusal.code, message: refusal.message, ...details(refusal) }, `firebreak approve: ${refusal.message}`, err);
      return 1;
    }
    const { request: req, decision } = result;
    print(
      { ok: true, incident, requestId: req.id, action: req.action, approved: decision.approved, by: decision.by, ...(decision.reason ? { reason: decision.reason } : {}), at: decision.at },
      `${decision.approved ? 'approved' : 'rejected'} ${req.action} (request ${req.id}) for incident ${incident} as ${decision.by}${decision.reason ? `: ${decision.reason}` : ''}`,
      process.stdout,
    );
    return 0;
  } catch (e) {
    if (e instanceof MemoryKeyError) {
      err.write(`firebreak approve: incident id '${redactText(incident)}' is not usable: ${e.message}\n`);
      return 2;
    }
    throw e;
  } finally {
    await memory.close();
  }
}

/** The pending request `action` names (or the only one), or why there is none to decide. */
async function choose(memory: MemoryStore, broker: ApprovalBroker, incident: string, action: string | undefined): Promise<ApprovalRequest | Refusal> {
  const all = await broker.requests(incident);
  const now = Date.now();
  const pending = all.filter((s) => isOpen(s, now)).map((s) => s.request);
  const list = (reqs: ApprovalRequest[]): string => reqs.map((r) => `${r.id} (${r.action})`).join(', ');
  const matches = action === undefined ? pending : pending.filter((r) => matchesAction(r, action));
  if (matches.length === 1) return matches[0]!;
  if (matches.length > 1) {
    return { code: 'ambiguous', exit: 2, pending: matches, message: `incident ${incident}: ${matches.length} approvals are pending; name one with --action REQUEST_ID: ${list(matches)}` };
  }
  // Nothing to decide: say why, from what the ledger remembers.
  const named = action === undefined ? all.at(-1) : all.filter((s) => matchesAction(s.request, action)).at(-1);
  if (named) return settled(incident, named, action === undefined);
  if (action !== undefined && all.length > 0) {
    return { code: 'no-match', exit: 1, pending, message: `incident ${incident}: no approval request matches '${action}'; ${pending.length > 0 ? `pending: ${list(pending)}` : 'nothing is pending'}` };
  }
  if (!(await new IncidentStore(memory).get(incident))) {
    return { code: 'unknown-incident', exit: 1, message: `no incident '${incident}' in the memory store of this config (is it the config the incident runs with?)` };
  }
  return { code: 'nothing-pending', exit: 1, message: `incident ${incident}: nothing is waiting for approval` };
}

/** A request that cannot be decided any more: decided (by whom), or timed out. `latest`: it was not named. */
function settled(incident: string, s: ApprovalState, latest: boolean): Refusal {
  return s.decision ? alreadyDecided(incident, s.request, s.decision, latest) : timedOut(incident, s.request, latest);
}

function alreadyDecided(incident: string, request: ApprovalRequest, d: ApprovalDecision, latest = false): Refusal {
  const what = d.by === 'timeout' ? 'timed out and was rejected' : d.by === 'withdrawn' ? 'was withdrawn' : `was already ${d.approved ? 'approved' : 'rejected'} by ${d.by}`;
  return { code: d.by === 'timeout' ? 'timed-out' : 'already-decided', exit: 1, request, decision: d, message: `${lead(incident, latest)}${request.action} (request ${request.id}) ${what} at ${d.at}${d.reason ? `: ${d.reason}` : ''}` };
}

function timedOut(incident: string, request: ApprovalRequest, latest = false): Refusal {
  return { code: 'timed-out', exit: 1, request, message: `${lead(incident, latest)}${request.action} (request ${request.id}) timed out at ${request.expiresAt ?? 'its deadline'} without a decision` };
}

function lead(incident: string, latest: boolean): string {
  return latest ? `incident ${incident}: nothing is pending; the last request, ` : `incident ${incident}: `;
}

function details(r: Refusal): Record<string, unknown> {
  return {
    ...(r.request ? { requestId: r.request.id, action: r.request.action } : {}),
    ...(r.decision ? { decision: r.decision } : {}),
    ...(r.pending ? { pending: r.pending.map((p) => ({ requestId: p.id, action: p.action })) } : {}),
  };
}

/** `cli:<login>`: who decided, as the timeline and the post-mortem show it. */
function approverName(): string {
  let user = process.env.USER || process.env.LOGNAME;
  try {
    user ||= userInfo().username;
  } catch {
    // no passwd entry (some containers)
  }
  return `cli:${user || 'operator'}`;
}

export const approveCommand: Command = {
  name: 'approve',
  summary: 'approve or reject an action an incident waits for, from any shell (through the memory store)',
  usage,
  run: approve,
};
