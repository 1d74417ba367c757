import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { ServiceConfig } from './config.js';
import { DependencyClient } from './dependency-client.js';
import { createServiceMetrics, type ServiceMetrics } from './metrics.js';
import { ConnectionPool } from './pool.js';
import { createRequestListener } from './routes.js';
import { SagaProcessor } from './sagas/processor.js';
import { SagaRecovery } from './sagas/recovery.js';
import { SagaStore } from './sagas/store.js';
import { TaskStore } from './tasks/store.js';
import { WorkerPool, type WorkerPoolStats } from './workers.js';

export interface TargetServiceOptions {
  readonly config: ServiceConfig;
  readonly logger: Logger;
  /** Directory for sagas.db and tasks.db; without it both are in memory and do not survive restarts. */
  readonly dataDir?: string;
  /** Base URL of the outbound dependency (from the lab's provides), required when config.dependency is set. */
  readonly dependencyUrl?: string;
}

/** The durable task queue's file in the service's data dir (the drills count lost work from it). */
export const TASKS_DB = 'tasks.db';

/** A composed target service: call listen(), later close(). */
export interface TargetService {
  readonly metrics: ServiceMetrics;
  /** Starts background loops and listens; resolves to the bound port. */
  listen(port: number, host: string): Promise<number>;
  /** Graceful stop: refuse new connections, fail waiters, hand running tasks back to the queue, abandon in-flight sagas, close the DBs. */
  close(graceMs?: number): Promise<void>;
}

/**
 * Wires the target's moving parts — connection pool, worker pool, dependency client, saga table, processor
 * and recovery runbook — to metrics, logs and the HTTP server. Everything is driven by `config`.
 */
export function createTargetService(options: TargetServiceOptions): TargetService {
  const { config, logger } = options;
  const pool = new ConnectionPool(config.pool);
  const sagas = SagaStore.open(options.dataDir ? join(options.dataDir, 'sagas.db') : ':memory:');
  const tasks = TaskStore.open(options.dataDir ? join(options.dataDir, TASKS_DB) : ':memory:');
  // Gauges read live state at scrape time; `workers` is declared below but only read once serving. Its stats
  // query the task store and five gauges read them: one snapshot per scrape (dropped when the scrape's turn ends).
  let workerStats: WorkerPoolStats | undefined;
  const metrics = createServiceMetrics(config.service, {
    pool: () => pool.stats(),
    workers: () => (workerStats ??= (setImmediate(() => (workerStats = undefined)), workers.stats())),
    taskCounts: () => tasks.countsByStatus(),
    sagaCounts: () => sagas.countsByStatus(),
    oldestRunningSagaUpdatedAt: () => sagas.oldestRunningUpdatedAt(),
  });

  const workers = new WorkerPool(tasks, config.workers, {
    onTimeout: (task, timeoutMs, willRetry) => {
      metrics.taskTimeouts.inc();
      logger.warn({ taskId: task.id, kind: task.kind, attempt: task.attempt, timeoutMs, willRetry, workers: workers.stats() }, 'task timed out');
    },
    onRetry: () => metrics.taskRetries.inc(),
    onFinished: (task, outcome, runMs) => {
      metrics.tasksFinished.inc({ outcome });
      metrics.taskRun.observe(runMs / 1000);
      if (outcome === 'failed') logger.error({ taskId: task.id, kind: task.kind, attempts: task.attempt }, 'task failed: attempts exhausted');
    },
    onRecovered: (count) => logger.warn({ count }, 'task queue: re-queued attempts a previous process was running when it stopped'),
    onError: (err) => logger.error({ err }, 'task store error'),
  });

  let dependency: DependencyClient | undefined;
  if (config.dependency) {
    if (!options.dependencyUrl) throw new Error(`dependency "${config.dependency.name}" is configured but no URL was provided`);
    const dep = config.dependency;
    dependency = new DependencyClient(
      { ...dep, baseUrl: options.dependencyUrl },
      {
        onAttempt: (outcome, _status, durationMs) => {
          metrics.depRequests.inc({ dependency: dep.name, outcome });
          metrics.depDuration.observe({ dependency: dep.name }, durationMs / 1000);
        },
        onRetry: (attempt, delayMs, err) => {
          metrics.depRetries.inc({ dependency: dep.name });
          logger.warn({ dependency: dep.name, attempt, delayMs: Math.round(delayMs), jitter: dep.jitter, status: err.status, reason: err.reason }, 'dependency call failed, retrying');
        },
      },
    );
  }

  const processor = new SagaProcessor(sagas, config.sagas.processor, {
    onCompleted: () => metrics.sagasCompleted.inc(),
    onError: (err) => logger.error({ err }, 'saga processor error'),
  });
  const recovery = config.sagas.recovery.enabled
    ? new SagaRecovery(sagas, config.sagas.recovery, {
        onRecovered: (saga, stuckForMs) => {
          metrics.sagasRecovered.inc();
          logger.warn({ sagaId: saga.id, sagaName: saga.saga_name, retryCount: saga.retry_count, stuckForMs, step: saga.current_step }, 'saga recovery: stuck RUNNING saga marked RETRY_PENDING');
        },
        onBeyondBudget: (count) => logger.error({ count, maxRetries: config.sagas.recovery.maxRetries }, 'saga recovery: stuck sagas exceeded retry budget, left RUNNING'),
        onError: (err) => logger.error({ err }, 'saga recovery error'),
      })
    : undefined;

  const server: Server = createServer(
    createRequestListener({ config, logger, metrics, pool, workers, tasks, dependency, sagas, processor, startedAt: Date.now() }),
  );
  server.keepAliveTimeout = 10_000;

  let statsTimer: NodeJS.Timeout | undefined;
  const logStats = (): void => {
    const w = workers.stats();
    const p = pool.stats();
    logger.info({ pool: p, workers: w, sagas: sagas.countsByStatus(), activeSagas: processor.activeCount() }, 'runtime stats');
    if (w.busy >= w.concurrency && w.queueDepth > 0) logger.warn({ workers: w }, 'worker pool saturated: all worker slots busy, tasks queuing');
    if (p.inUse >= p.size && p.waiters > 0) logger.warn({ pool: p }, 'connection pool exhausted: all connections in use, requests waiting');
  };

  return {
    metrics,
    listen: (port, host) =>
      new Promise<number>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          workers.start();
          processor.start();
          recovery?.start();
          const interval = config.observability.statsLogIntervalMs;
          if (interval !== null) statsTimer = setInterval(logStats, interval);
          const address = server.address();
          resolve(typeof address === 'object' && address ? address.port : port);
        });
      }),
    close: async (graceMs = 3_000) => {
      clearInterval(statsTimer);
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      pool.close();
      workers.close();
      recovery?.stop();
      const abandoned = processor.stop();
      if (abandoned > 0) logger.warn({ abandoned }, 'shutting down with sagas in flight: they stay RUNNING');
      dependency?.close();
      const force = setTimeout(() => server.closeAllConnections(), graceMs);
      await closed;
      clearTimeout(force);
      sagas.close();
      tasks.close();
    },
  };
}
