import { DBOSClient } from '@dbos-inc/dbos-sdk';
import pg from 'pg';
import type { Logger } from 'pino';
import type { DbosRunnerConfig, ResolvedQueue } from '../config.js';
import { prepareDatabase } from './database.js';
import { dbosLogger } from './logger.js';

/** The two ways into the system database every DBOS-runner process holds: a DBOSClient and a pg pool. */
export interface DbosConnections {
  readonly client: DBOSClient;
  /** For what DBOSClient cannot do: the admission transaction and worker heartbeats. */
  readonly pool: pg.Pool;
  close(): Promise<void>;
}

/** Migrates the system database if needed (see prepareDatabase), then opens the client and the pool. */
export async function openConnections(config: DbosRunnerConfig, logger: Logger): Promise<DbosConnections> {
  await prepareDatabase(config.database, config.schema, logger);
  const pool = new pg.Pool({ connectionString: config.database, max: config.poolSize ?? 10 });
  // An idle client's error (the server restarted) must not crash the process; the next query reconnects.
  pool.on('error', (err) => logger.warn({ err: err.message }, 'firebreak pool connection error'));
  let client: DBOSClient;
  try {
    client = await DBOSClient.create({
      systemDatabaseUrl: config.database,
      systemDatabaseSchemaName: config.schema,
      applicationName: config.applicationName,
      logger: dbosLogger(logger),
      ...(config.poolSize ? { systemDatabasePoolSize: config.poolSize } : {}),
    });
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw err;
  }
  let closed: Promise<void> | undefined;
  return {
    client,
    pool,
    close: () => (closed ??= Promise.all([client.destroy(), pool.end()]).then(() => undefined)),
  };
}

/** A resolved queue as DBOS queue parameters (unset limits omitted, as DBOS expects). */
export function dbosQueueParams(queue: ResolvedQueue, workerConcurrency = queue.workerConcurrency): {
  globalConcurrency?: number; workerConcurrency: number; minPollingIntervalMs?: number;
} {
  return {
    ...(queue.concurrency !== undefined ? { globalConcurrency: queue.concurrency } : {}),
    workerConcurrency: queue.concurrency !== undefined ? Math.min(workerConcurrency, queue.concurrency) : workerConcurrency,
    ...(queue.pollIntervalMs !== undefined ? { minPollingIntervalMs: queue.pollIntervalMs } : {}),
  };
}
