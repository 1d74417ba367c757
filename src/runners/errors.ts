/**
 * Every error the runners throw, in one place, each with a stable `name` to match on across package copies.
 */

/** Backpressure: the queue already holds its admission limit of waiting runs; nothing was enqueued. */
export class QueueFullError extends Error {
  override readonly name = 'QueueFullError';
  constructor(readonly queue: string, readonly queued: number, readonly limit: number) {
    super(`queue '${queue}' is full: ${queued} runs waiting, admission limit ${limit}; retry later or raise queues.${queue}.maxQueued`);
  }
}

/** The workflow name is not in the registry (of this process, or of the workers when enqueued by name). */
export class UnknownWorkflowError extends Error {
  override readonly name = 'UnknownWorkflowError';
  constructor(readonly workflow: string, readonly known: readonly string[]) {
    super(`unknown workflow '${workflow}'; registered: ${known.length > 0 ? known.join(', ') : '(none)'}`);
  }
}

/** A workflow name registered twice, or registered after the DBOS worker launched. */
export class WorkflowRegistrationError extends Error {
  override readonly name = 'WorkflowRegistrationError';
}

/** No run has this id. */
export class RunNotFoundError extends Error {
  override readonly name = 'RunNotFoundError';
  constructor(readonly runId: string) {
    super(`no run with id '${runId}'`);
  }
}

/** The run ended with an error; `cause` is the error as recorded (deserialised from the system database for DBOS). */
export class RunFailedError extends Error {
  override readonly name = 'RunFailedError';
  constructor(readonly runId: string, readonly workflow: string, message: string, options?: { cause?: unknown }) {
    super(`run '${runId}' of workflow '${workflow}' failed: ${message}`, options);
  }
}

/** The run was cancelled before it finished. */
export class RunCancelledError extends Error {
  override readonly name = 'RunCancelledError';
  constructor(readonly runId: string, readonly workflow: string) {
    super(`run '${runId}' of workflow '${workflow}' was cancelled`);
  }
}

/** `result()` stopped waiting; the run itself goes on. */
export class ResultTimeoutError extends Error {
  override readonly name = 'ResultTimeoutError';
  constructor(readonly runId: string, readonly timeoutMs: number) {
    super(`gave up waiting for run '${runId}' after ${timeoutMs} ms (the run continues)`);
  }
}

/**
 * A recovered run's recorded structure differs from the workflow registered now: replaying its journal into
 * different code could skip or repeat side effects, so the run is refused. Deploy changed workflows under a
 * new application version (workers of the old version finish the old runs).
 */
export class WorkflowChangedError extends Error {
  override readonly name = 'WorkflowChangedError';
  constructor(readonly runId: string, readonly workflow: string) {
    super(`run '${runId}' was recorded with a different structure of workflow '${workflow}'; it cannot be replayed by this version`);
  }
}

/** Invalid runner configuration; names each bad field. */
export class RunnerConfigError extends Error {
  override readonly name = 'RunnerConfigError';
  constructor(readonly issues: readonly { path: string; message: string }[]) {
    super(`invalid runner config: ${issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ')}`);
  }
}

/** Another live worker already uses this executor id: two workers with one id would recover each other's runs. */
export class ExecutorIdInUseError extends Error {
  override readonly name = 'ExecutorIdInUseError';
  constructor(readonly executorId: string, readonly lastSeenMsAgo: number) {
    super(`executor id '${executorId}' is in use by a live worker (heartbeat ${Math.round(lastSeenMsAgo)} ms ago); give each worker its own --worker-id`);
  }
}

/** DBOS is a per-process singleton: one worker per process. */
export class WorkerAlreadyRunningError extends Error {
  override readonly name = 'WorkerAlreadyRunningError';
  constructor() {
    super('a DBOS worker is already running in this process (DBOS allows one per process)');
  }
}

/** The runner was closed; it takes no more calls. */
export class RunnerClosedError extends Error {
  override readonly name = 'RunnerClosedError';
  constructor(readonly kind: string) {
    super(`the ${kind} runner is closed`);
  }
}
