import { writeFile } from 'node:fs/promises';
import { listScenarios, loadScenario, ScenarioError, ScenarioNotFoundError } from '../../drills/scenario.js';
import { startLab, type Lab } from '../../lab/lab.js';
import type { Command } from '../command.js';
import { UsageError } from '../command.js';
import { parseArgv } from '../args.js';
import { stderrLogger } from '../../primitives/logger.js';

const usage = `usage: firebreak lab list
       firebreak lab up <scenario|file.yaml> [--inject] [--mcp-config FILE] [--work-dir DIR]

up    starts a drill lab (forge, service, Prometheus, load, deployer) and keeps it running until Ctrl-C.
      Prints the lab's MCP config ({"mcpServers": ...}) on stdout, for an IDE or \`firebreak\` to use;
      progress and URLs go to stderr. The config holds the lab forge's token: treat the file as a secret.
      --inject          apply the scenario's fault after its warm-up
      --mcp-config FILE also write the MCP config to FILE
      --work-dir DIR    keep the lab's repos, releases and logs in DIR (default: a temp dir, removed on exit)
list  the scenarios shipped with firebreak.
Logs: FIREBREAK_LOG_LEVEL (default warn) on stderr.`;

const say = (line: string): void => void process.stderr.write(`${line}\n`);

/**
 * Resolves on the first SIGINT/SIGTERM/SIGHUP. The handlers stay installed until `cancel()`: while they are,
 * the lab's child-process hook (process.ts) does not re-raise the signal, so the lab can stop cleanly.
 */
function untilSignal(): { promise: Promise<NodeJS.Signals>; cancel: () => void } {
  const sigs = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  let on: (sig: NodeJS.Signals) => void = () => undefined;
  const promise = new Promise<NodeJS.Signals>((resolve) => {
    on = (sig) => resolve(sig);
    for (const s of sigs) process.on(s, on);
  });
  const cancel = (): void => {
    for (const s of sigs) process.off(s, on);
  };
  return { promise, cancel };
}

async function up(argv: string[]): Promise<number> {
  const parsed = parseArgv(argv, { options: { inject: { type: 'boolean' }, 'mcp-config': { type: 'string' }, 'work-dir': { type: 'string' } }, others: 'positionals' });
  const [name, ...extra] = parsed.positionals;
  if (!name || extra.length > 0) throw new UsageError('lab up takes exactly one scenario name or file');
  let scenario;
  try {
    scenario = await loadScenario(name);
  } catch (err) {
    if (err instanceof ScenarioNotFoundError || err instanceof ScenarioError) throw new UsageError(err.message);
    throw err;
  }

  // Ctrl-C during start-up aborts it (startLab tears down what it started); afterwards it stops the lab.
  const signal = untilSignal();
  const abort = new AbortController();
  let received: NodeJS.Signals | undefined;
  void signal.promise.then((sig) => {
    received = sig;
    abort.abort(new Error(`${sig} received`));
  });
  const logger = stderrLogger('firebreak-lab');
  say(`starting lab for ${scenario.name}: ${scenario.title}`);
  let lab: Lab;
  try {
    lab = await startLab(scenario, { signal: abort.signal, logger, handleSignals: false, ...(parsed.values['work-dir'] ? { workDir: parsed.values['work-dir'] } : {}) });
  } catch (err) {
    signal.cancel();
    if (received) {
      say(`lab start interrupted (${received})`);
      return 130;
    }
    throw err;
  }
  try {
    const config = `${JSON.stringify({ mcpServers: lab.mcpServers }, null, 2)}\n`;
    process.stdout.write(config);
    if (parsed.values['mcp-config']) await writeFile(parsed.values['mcp-config'], config, { mode: 0o600 });
    say(`lab ready (work dir ${lab.workDir})`);
    say(`  ingress    ${lab.urls.ingress}   (the service, as users reach it)`);
    say(`  prometheus ${lab.urls.prometheus}`);
    say(`  forge      ${lab.urls.forge}   (GitHub REST API)`);
    say(`  deploy     ${lab.urls.deploy}   (MCP, Streamable HTTP)`);
    say(`  logs       ${lab.logFile}`);
    if (parsed.values.inject) {
      const warmup = scenario.warmup.durationMs;
      say(`fault in ${Math.round(warmup / 1000)} s: ${scenario.fault.kind}`);
      const timer = setTimeout(() => {
        lab.inject().then(
          (i) => say(`fault injected at ${i.at}: ${i.description}`),
          (err: unknown) => say(`fault injection failed: ${(err as Error).message}`),
        );
      }, warmup);
      void signal.promise.then(() => clearTimeout(timer));
    }
    say('press Ctrl-C to stop');
    const sig = await signal.promise;
    say(`${sig} received: stopping the lab`);
  } finally {
    signal.cancel();
    await lab.stop();
  }
  say('lab stopped');
  return 0;
}

async function list(): Promise<number> {
  const scenarios = await listScenarios();
  const width = Math.max(...scenarios.map((s) => s.name.length), 4);
  for (const s of scenarios) process.stdout.write(`${s.name.padEnd(width)}  ${s.title}${s.seed ? ` (seed ${s.seed})` : ''}\n`);
  return 0;
}

export const labCommand: Command = {
  name: 'lab',
  summary: 'run a drill lab (service, Prometheus, forge, deployer) for an IDE or by hand: lab up <scenario>',
  usage,
  async run(argv) {
    const [sub, ...rest] = argv;
    if (sub === 'up') return up(rest);
    if (sub === 'list') return list();
    throw new UsageError(sub ? `unknown lab command '${sub}'` : 'missing lab command (up, list)');
  },
};
