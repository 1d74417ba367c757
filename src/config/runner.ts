import { parseMemoryUrl } from '../memory/url.js';
import type { IncidentRunnerOptions } from '../workflows/incident-runner.js';
import type { FirebreakConfig } from './schema.js';

/**
 * The runner `firebreak serve` and `firebreak worker --config` run incidents on, from the config's `runner`
 * and `serve` sections: `dbos` when asked for, or by default (`auto`) when memory is PostgreSQL — its DBOS
 * system database is then that same database — else `local`, in the serving process.
 * Concurrency and the queue bound come from `serve` in both cases.
 */
export function incidentRunnerFor(config: FirebreakConfig): IncidentRunnerOptions {
  const r = config.runner;
  const bounds = { concurrency: config.serve.concurrency, maxQueued: config.serve.maxQueued };
  const memory = parseMemoryUrl(config.memory);
  const dbos = r.kind === 'dbos' || (r.kind === 'auto' && memory.kind === 'postgres');
  if (!dbos) return { kind: 'local', ...bounds };
  const database = r.database ?? (memory.kind === 'postgres' ? memory.connectionString : undefined);
  // parseConfig refuses kind 'dbos' without a PostgreSQL database, so this is a programming error.
  if (!database) throw new TypeError('incidentRunnerFor: the dbos runner needs runner.database or PostgreSQL memory');
  return {
    kind: 'dbos',
    ...bounds,
    drainMs: Math.round(r.drainSeconds * 1000),
    dbos: {
      kind: 'dbos',
      database,
      worker: r.execute,
      ...(r.executorId ? { executorId: r.executorId } : {}),
      ...(r.heartbeatMs ? { heartbeatMs: r.heartbeatMs } : {}),
      ...(r.deadAfterMs ? { deadAfterMs: r.deadAfterMs } : {}),
      ...(r.pollIntervalMs ? { queues: { incidents: { pollIntervalMs: r.pollIntervalMs } } } : {}),
    },
  };
}
