import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { SagaStatus } from './config.js';
import type { PoolStats } from './errors.js';
import type { TaskStatus } from './tasks/store.js';
import type { WorkerPoolStats } from './workers.js';

/** Live state the gauges read at scrape time (no polling loop to drift). */
export interface MetricSources {
  pool(): PoolStats;
  workers(): WorkerPoolStats;
  /** Rows of the durable task store by status. */
  taskCounts(): Record<TaskStatus, number>;
  sagaCounts(): Record<SagaStatus, number>;
  oldestRunningSagaUpdatedAt(): number | undefined;
}

/** Latency buckets that resolve both the seed's healthy p95 (0.3 s) and its incident p95 (2.5 s). */
export const LATENCY_BUCKETS = [0.025, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.75, 1, 1.5, 2, 2.5, 3, 4, 5, 10];

/**
 * The target's Prometheus metrics. Names follow the PromQL in seed 004 (`http_requests_total{status,
 * endpoint}`, `http_request_duration_seconds_bucket{endpoint}`, `database_connection_pool_active /
 * database_connection_pool_max`) so the queries in the incident write-up work as written. Every series
 * carries `service` from the config.
 */
export function createServiceMetrics(service: { name: string; version: string; revision: string }, sources: MetricSources) {
  const registry = new Registry();
  registry.setDefaultLabels({ service: service.name });
  // Default process metrics include process_start_time_seconds: restarts and crash loops show up there.
  collectDefaultMetrics({ register: registry });
  const registers = [registry];

  new Gauge({ name: 'build_info', help: 'Build of the running service (always 1).', labelNames: ['version', 'revision'], registers }).set({ version: service.version, revision: service.revision }, 1);

  const httpRequests = new Counter({ name: 'http_requests_total', help: 'HTTP requests by method, endpoint and status code.', labelNames: ['method', 'endpoint', 'status'], registers });
  const httpDuration = new Histogram({ name: 'http_request_duration_seconds', help: 'HTTP request latency.', labelNames: ['method', 'endpoint'], buckets: LATENCY_BUCKETS, registers });

  new Gauge({ name: 'database_connection_pool_active', help: 'Connections checked out.', registers, collect() { this.set(sources.pool().inUse); } });
  new Gauge({ name: 'database_connection_pool_max', help: 'Pool size.', registers, collect() { this.set(sources.pool().size); } });
  new Gauge({ name: 'database_connection_pool_waiters', help: 'Requests waiting for a connection.', registers, collect() { this.set(sources.pool().waiters); } });
  const acquireTimeouts = new Counter({ name: 'database_connection_pool_acquire_timeouts_total', help: 'Acquires that gave up after the acquire timeout.', registers });
  const queueFull = new Counter({ name: 'database_connection_pool_wait_queue_full_total', help: 'Acquires rejected because the wait queue was full.', registers });
  const acquireDuration = new Histogram({ name: 'database_connection_pool_acquire_duration_seconds', help: 'Time spent waiting for a connection (successful or not).', buckets: LATENCY_BUCKETS, registers });
  // The query alone (the connection held), apart from the wait: "work got slower" vs "not enough connections".
  const queryDuration = new Histogram({ name: 'database_query_duration_seconds', help: 'Time a request held its pool connection (the query).', buckets: LATENCY_BUCKETS, registers });

  new Gauge({ name: 'task_queue_depth', help: 'Tasks waiting for a worker.', registers, collect() { this.set(sources.workers().queueDepth); } });
  new Gauge({ name: 'task_queue_oldest_age_seconds', help: 'Age of the oldest queued task.', registers, collect() { this.set(sources.workers().oldestQueuedMs / 1000); } });
  new Gauge({ name: 'task_oldest_running_seconds', help: 'Age of the longest-running current task attempt (0 when none runs).', registers, collect() { this.set(sources.workers().oldestRunningMs / 1000); } });
  new Gauge({
    name: 'task_store_tasks',
    help: 'Tasks in the durable task store, by status (queued, running, succeeded, failed).',
    labelNames: ['status'],
    registers,
    collect() {
      for (const [status, n] of Object.entries(sources.taskCounts())) this.set({ status }, n);
    },
  });
  const tasksEnqueued = new Counter({ name: 'tasks_enqueued_total', help: 'Tasks accepted (answered 202).', registers });
  new Gauge({ name: 'task_workers_busy', help: 'Worker slots running a task.', registers, collect() { this.set(sources.workers().busy); } });
  new Gauge({ name: 'task_workers_max', help: 'Worker slots (concurrency).', registers, collect() { this.set(sources.workers().concurrency); } });
  const taskTimeouts = new Counter({ name: 'task_timeouts_total', help: 'Task attempts cut by the per-task timeout.', registers });
  const taskRetries = new Counter({ name: 'task_retries_total', help: 'Task attempts re-queued after a timeout.', registers });
  const tasksFinished = new Counter({ name: 'tasks_finished_total', help: 'Tasks finished, by outcome.', labelNames: ['outcome'], registers });
  const taskRun = new Histogram({ name: 'task_run_duration_seconds', help: 'Time a task attempt held a worker slot.', buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60], registers });

  const depRequests = new Counter({ name: 'dependency_client_requests_total', help: 'Attempts against the outbound dependency, by outcome.', labelNames: ['dependency', 'outcome'], registers });
  const depRetries = new Counter({ name: 'dependency_client_retries_total', help: 'Retries scheduled against the outbound dependency.', labelNames: ['dependency'], registers });
  const depDuration = new Histogram({ name: 'dependency_client_request_duration_seconds', help: 'Latency of one attempt against the dependency.', labelNames: ['dependency'], buckets: LATENCY_BUCKETS, registers });

  new Gauge({
    name: 'saga_executions',
    help: 'Rows of saga_executions by status.',
    labelNames: ['status'],
    registers,
    collect() {
      for (const [status, n] of Object.entries(sources.sagaCounts())) this.set({ status }, n);
    },
  });
  new Gauge({
    name: 'saga_oldest_running_age_seconds',
    help: 'Seconds since the least recently updated RUNNING saga moved (0 when none runs).',
    registers,
    collect() {
      const t = sources.oldestRunningSagaUpdatedAt();
      this.set(t === undefined ? 0 : Math.max(0, (Date.now() - t) / 1000));
    },
  });
  const sagasRecovered = new Counter({ name: 'saga_recovered_total', help: 'Stuck sagas marked RETRY_PENDING by the recovery runbook.', registers });
  const sagasCompleted = new Counter({ name: 'sagas_completed_total', help: 'Sagas run to COMPLETED by this process.', registers });

  return {
    registry,
    httpRequests,
    httpDuration,
    acquireTimeouts,
    queueFull,
    acquireDuration,
    queryDuration,
    tasksEnqueued,
    taskTimeouts,
    taskRetries,
    tasksFinished,
    taskRun,
    depRequests,
    depRetries,
    depDuration,
    sagasRecovered,
    sagasCompleted,
  };
}

export type ServiceMetrics = ReturnType<typeof createServiceMetrics>;
