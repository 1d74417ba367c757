import { defaultLogger } from '../../primitives/index.js';
import type { DbosRunnerConfigInput, QueueConfig } from '../../runners/index.js';
import { parseArgv } from '../args.js';
import { UsageError, type Command } from '../command.js';
import { incidentWorker } from './worker-config.js';

const usage = `usage: firebreak worker --runner dbos --database URL --workflows PATH [options]
       firebreak worker --config FILE [--worker-id ID] [--concurrency N] [--drain-ms N]

Starts a worker that executes firebreak runs from DBOS queues in PostgreSQL. Start as many as you like, on
as many machines as you like, against one database; runs of a worker that dies are recovered by the others.

With --config, the worker runs the incident workflow of that firebreak.config.json (its MCP servers, model,
memory) — the same incidents \`firebreak serve\` queues with PostgreSQL memory (or runner.kind dbos).

options:
  --config FILE            run incidents from this firebreak.config.json (instead of --runner/--database/--workflows)
  --runner dbos            the only runner with separate workers (local runs in-process)
  --database URL           PostgreSQL URL of the DBOS system database (or FIREBREAK_DATABASE_URL)
  --workflows PATH         module exporting a WorkflowRegistry; repeatable (or FIREBREAK_WORKFLOWS, comma-separated)
  --concurrency N          runs executing at once in this worker, per queue
  --queues A,B             queues to serve (default: all configured)
  --worker-id ID           stable executor id (or FIREBREAK_WORKER_ID); a restart with it resumes its runs at once
  --app-version V          application version (default: hash of the workflows' structure)
  --app-name NAME          DBOS application name (default firebreak)
  --poll-ms N              fastest queue poll in ms (default 1000; DBOS backs off when idle)
  --heartbeat-ms N         liveness heartbeat (default 5000)
  --dead-after-ms N        silence after which a worker's runs are recovered by others (default 30000)
  --drain-ms N             on SIGTERM/SIGINT, wait this long for running runs (default 30000)

Prints one JSON line to stdout when ready ({"event":"worker.ready",...}) and one when stopped.`;

function positiveInt(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`--${flag} must be a positive integer, got '${value}'`);
  return n;
}

function list(value: string | undefined): string[] {
  return (value ?? '').split(',').map((s) => s.trim()).filter((s) => s.length > 0);
}

export const workerCommand: Command = {
  name: 'worker',
  summary: 'run a worker that executes queued runs from PostgreSQL (DBOS)',
  usage,
  async run(argv: string[]): Promise<number> {
    const { values } = parseArgv(argv, {
      options: {
        config: { type: 'string' },
        runner: { type: 'string' }, database: { type: 'string' }, workflows: { type: 'string', multiple: true },
        concurrency: { type: 'string' }, queues: { type: 'string' }, 'worker-id': { type: 'string' },
        'app-version': { type: 'string' }, 'app-name': { type: 'string' }, 'poll-ms': { type: 'string' },
        'heartbeat-ms': { type: 'string' }, 'dead-after-ms': { type: 'string' }, 'drain-ms': { type: 'string' },
      },
    });
    if (values.config !== undefined) {
      const clash = (['runner', 'database', 'workflows', 'queues', 'app-version', 'app-name', 'poll-ms', 'heartbeat-ms', 'dead-after-ms'] as const).find((f) => values[f] !== undefined);
      if (clash) throw new UsageError(`--${clash} does not go with --config (set it in the config's runner section)`);
      return incidentWorker(values.config, {
        ...(values['worker-id'] ?? process.env.FIREBREAK_WORKER_ID ? { workerId: values['worker-id'] ?? process.env.FIREBREAK_WORKER_ID } : {}),
        ...(values.concurrency !== undefined ? { concurrency: positiveInt('concurrency', values.concurrency) } : {}),
        drainMs: positiveInt('drain-ms', values['drain-ms']) ?? 30_000,
      });
    }
    if (values.runner !== 'dbos') {
      throw new UsageError(values.runner === undefined ? '--runner dbos is required' : `--runner must be 'dbos' (the local runner executes in-process), got '${values.runner}'`);
    }
    const database = values.database ?? process.env.FIREBREAK_DATABASE_URL;
    if (!database) throw new UsageError('--database URL (or FIREBREAK_DATABASE_URL) is required');
    const modules = [...(values.workflows ?? []).flatMap((w) => list(w)), ...list(process.env.FIREBREAK_WORKFLOWS)];
    if (modules.length === 0) throw new UsageError('--workflows PATH (or FIREBREAK_WORKFLOWS) is required: the worker runs the workflows those modules register');
    const concurrency = positiveInt('concurrency', values.concurrency);
    const pollMs = positiveInt('poll-ms', values['poll-ms']);
    const drainMs = positiveInt('drain-ms', values['drain-ms']) ?? 30_000;
    // Loaded on demand: the DBOS SDK and pg are only needed by this command.
    const { DbosWorker, loadWorkflowModules, maskDatabaseUrl, parseRunnerConfig, RunnerConfigError } = await import('../../runners/index.js');
    const registry = await loadWorkflowModules(modules);
    const queueNames = [...new Set(['incidents', 'drills', ...registry.queues()])];
    const queues: Record<string, QueueConfig> = {};
    if (pollMs !== undefined) for (const q of queueNames) queues[q] = { pollIntervalMs: pollMs };
    const listen = list(values.queues);
    const workerId = values['worker-id'] ?? process.env.FIREBREAK_WORKER_ID;
    const config: DbosRunnerConfigInput = {
      kind: 'dbos',
      database,
      ...(workerId ? { executorId: workerId } : {}),
      ...(values['app-version'] ? { appVersion: values['app-version'] } : {}),
      ...(values['app-name'] ? { applicationName: values['app-name'] } : {}),
      ...(listen.length > 0 ? { listenQueues: listen } : {}),
      ...(values['heartbeat-ms'] ? { heartbeatMs: positiveInt('heartbeat-ms', values['heartbeat-ms']) } : {}),
      ...(values['dead-after-ms'] ? { deadAfterMs: positiveInt('dead-after-ms', values['dead-after-ms']) } : {}),
      ...(Object.keys(queues).length > 0 ? { queues } : {}),
    };
    try {
      parseRunnerConfig(config);
    } catch (err) {
      if (err instanceof RunnerConfigError) throw new UsageError(err.message);
      throw err;
    }
    const logger = defaultLogger();
    const worker = await DbosWorker.start(config, registry, { logger, ...(concurrency !== undefined ? { concurrency } : {}) });
    process.stdout.write(JSON.stringify({
      event: 'worker.ready', executorId: worker.executorId, appVersion: worker.appVersion, queues: worker.queues,
      workflows: registry.names(), database: maskDatabaseUrl(database), pid: process.pid,
    }) + '\n');
    await new Promise<void>((resolve) => {
      let stopping = false;
      const onSignal = (signal: NodeJS.Signals): void => {
        if (stopping) process.exit(130); // a second signal: stop waiting for the drain
        stopping = true;
        logger.info({ signal, drainMs }, 'stopping worker');
        worker.stop({ drainMs }).catch((err: unknown) => logger.error({ err }, 'worker stop failed')).finally(resolve);
      };
      process.on('SIGTERM', onSignal);
      process.on('SIGINT', onSignal);
    });
    process.stdout.write(JSON.stringify({ event: 'worker.stopped', executorId: worker.executorId }) + '\n');
    return 0;
  },
};
