import { pino } from 'pino';
import { ConfigError, loadConfig } from '../../config/load.js';
import { incidentRunnerFor } from '../../config/runner.js';
import { openResponder } from '../../config/runtime.js';
import { MemoryUnavailableError } from '../../memory/errors.js';
import { maskDatabaseUrl } from '../../runners/config.js';
import { RunnerConfigError } from '../../runners/errors.js';
import { INCIDENT_QUEUE, INCIDENT_WORKFLOW } from '../../workflows/incident-runner.js';
import { ModelSpecError } from '../../workflows/models.js';
import { PlaybookFileError } from '../../workflows/playbooks.js';

/**
 * `firebreak worker --config FILE`: a DBOS worker that runs the incident workflow of a firebreak config —
 * its MCP servers, model and memory — sharing the `incidents` queue with `firebreak serve` (and other
 * workers). Prints `worker.ready` / `worker.stopped` JSON lines on stdout like the generic worker.
 * Exit 2 when the config does not select the dbos runner (PostgreSQL memory or runner.kind dbos).
 */
export async function incidentWorker(file: string, o: { workerId?: string; concurrency?: number; drainMs: number }): Promise<number> {
  const logger = pino({ name: 'firebreak-worker', level: process.env.FIREBREAK_LOG_LEVEL ?? 'info' }, pino.destination(2));
  const env = { ...process.env };
  let runtime;
  let database: string;
  try {
    const config = await loadConfig(file, env);
    if (o.workerId) config.runner.executorId = o.workerId;
    if (o.concurrency) config.serve.concurrency = o.concurrency;
    config.runner.drainSeconds = o.drainMs / 1000;
    config.runner.execute = true; // a worker is what executes, whatever the serving processes do
    const runner = incidentRunnerFor(config);
    if (runner.kind !== 'dbos') {
      process.stderr.write(`firebreak worker: ${file} runs incidents in the serving process (local runner); a worker needs the dbos runner: PostgreSQL memory, or runner.kind "dbos" with runner.database\n`);
      return 2;
    }
    database = runner.dbos.database;
    runtime = await openResponder(config, { logger, env, useConfiguredRunner: true });
  } catch (err) {
    if ([ConfigError, ModelSpecError, PlaybookFileError, RunnerConfigError, MemoryUnavailableError].some((E) => err instanceof E)) {
      process.stderr.write(`firebreak worker: ${(err as Error).message}\n`);
      return 2;
    }
    throw err;
  }
  const executorId = runtime.service.owner.executor;
  // The DBOS system database may be the memory URL itself: never print its password.
  process.stdout.write(JSON.stringify({
    event: 'worker.ready', executorId, queues: [INCIDENT_QUEUE], workflows: [INCIDENT_WORKFLOW], database: maskDatabaseUrl(database), pid: process.pid,
  }) + '\n');
  await new Promise<void>((resolve) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals): void => {
      if (stopping) process.exit(130);
      stopping = true;
      logger.info({ signal }, 'stopping worker: running incidents stay resumable');
      runtime.close().catch((err: unknown) => logger.error({ err }, 'worker stop failed')).finally(resolve);
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
  process.stdout.write(JSON.stringify({ event: 'worker.stopped', executorId }) + '\n');
  return 0;
}
