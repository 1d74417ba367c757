/**
 * Typed errors of the lab's target service, in one place. Each carries the data its log line needs, so a
 * handler can log `{ err, ...err.details }` without reaching back into the component that failed.
 */

/** Exit code for a bad configuration (sysexits EX_CONFIG), so a supervisor can tell it from a crash. */
export const EXIT_CONFIG = 78;
/** Exit code for bad command-line usage (sysexits EX_USAGE). */
export const EXIT_USAGE = 64;
/** Exit code for a failed startup check such as a missing dependency: the crash-loop exit. */
export const EXIT_STARTUP = 1;

/** service.config.json is unreadable, not JSON, or fails the schema. `issues` name the bad fields. */
export class ServiceConfigError extends Error {
  override readonly name = 'ServiceConfigError';
  constructor(
    readonly file: string,
    readonly issues: readonly string[],
  ) {
    super(`invalid service config ${file}: ${issues.join('; ')}`);
  }
}

/** A dependency listed in `startup.requires` (or the dependency client's target) is not provided by the lab. */
export class StartupDependencyMissingError extends Error {
  override readonly name = 'StartupDependencyMissingError';
  constructor(
    readonly dependency: string,
    readonly provided: readonly string[],
  ) {
    super(`startup dependency missing: "${dependency}" is not provided by this environment (provided: ${provided.length ? provided.join(', ') : 'none'})`);
  }
}

/** Point-in-time numbers of the connection pool, attached to pool errors and stats log lines. */
export interface PoolStats {
  readonly size: number;
  readonly inUse: number;
  readonly idle: number;
  readonly waiters: number;
  readonly maxWaiters: number | null;
  readonly acquireTimeoutMs: number | null;
}

/** No connection became free within the acquire timeout. */
export class PoolAcquireTimeoutError extends Error {
  override readonly name = 'PoolAcquireTimeoutError';
  constructor(
    readonly waitedMs: number,
    readonly pool: PoolStats,
  ) {
    super(`timed out after ${Math.round(waitedMs)} ms waiting for a database connection (pool ${pool.inUse}/${pool.size} in use, ${pool.waiters} waiting)`);
  }
}

/** The pool's wait queue is at `maxWaiters`: rejected without waiting. */
export class PoolWaitQueueFullError extends Error {
  override readonly name = 'PoolWaitQueueFullError';
  constructor(readonly pool: PoolStats) {
    super(`database connection wait queue full (${pool.waiters}/${pool.maxWaiters} waiting, pool ${pool.inUse}/${pool.size} in use)`);
  }
}

/** The pool was closed while a request waited for it (shutdown). */
export class PoolClosedError extends Error {
  override readonly name = 'PoolClosedError';
  constructor() {
    super('database connection pool is closed');
  }
}

/** The task queue is at `maxQueueDepth`: the task is rejected (backpressure) instead of queued. */
export class TaskQueueFullError extends Error {
  override readonly name = 'TaskQueueFullError';
  constructor(
    readonly queueDepth: number,
    readonly maxQueueDepth: number,
  ) {
    super(`task queue full (${queueDepth}/${maxQueueDepth})`);
  }
}

/** One attempt against the outbound dependency failed (status >= 500, 429, timeout or network error). */
export class DependencyAttemptError extends Error {
  override readonly name = 'DependencyAttemptError';
  constructor(
    readonly dependency: string,
    readonly status: number | undefined,
    readonly reason: 'status' | 'timeout' | 'network',
    message: string,
  ) {
    super(message);
  }
}

/** Every attempt (1 + retries) against the outbound dependency failed. */
export class DependencyUnavailableError extends Error {
  override readonly name = 'DependencyUnavailableError';
  constructor(
    readonly dependency: string,
    readonly attempts: number,
    readonly last: DependencyAttemptError,
  ) {
    super(`${dependency} unavailable after ${attempts} attempt(s): ${last.message}`);
  }
}
