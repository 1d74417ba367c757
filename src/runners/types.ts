import type { WorkflowDefinition, WorkflowRegistry } from './registry.js';

/** Incident priorities, shared with alert severities: p0 is dequeued before p1, p1 before p2, p2 before p3. */
export const PRIORITIES = ['p0', 'p1', 'p2', 'p3'] as const;
export type Priority = (typeof PRIORITIES)[number];

/** The priority a run gets when neither the enqueue call nor its workflow definition names one. */
export const DEFAULT_PRIORITY: Priority = 'p2';

/** Lower runs first, as in DBOS queues (priority 0 is the highest). */
export function priorityRank(priority: Priority): number {
  return PRIORITIES.indexOf(priority);
}

/** The inverse of `priorityRank`; ranks outside p0..p3 (a workflow enqueued by hand) are clamped. */
export function priorityFromRank(rank: number): Priority {
  return PRIORITIES[Math.min(Math.max(Math.trunc(rank), 0), PRIORITIES.length - 1)] as Priority;
}

export type RunPhase = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

/** What any process can learn about a run, whichever runner executes it. */
export interface RunInfo {
  runId: string;
  workflow: string;
  queue: string | undefined;
  priority: Priority;
  state: RunPhase;
  /** Epoch milliseconds. */
  createdAt: number;
  startedAt?: number;
  completedAt?: number;
  /** The worker (DBOS executor id) that runs or ran it; `local` for the local runner. */
  executor?: string;
  /** How many times the run was started: above 1 after a crash recovery. */
  attempts?: number;
  /** Present once succeeded (and only when asked for, in lists). */
  output?: unknown;
  /** The failure message once failed or cancelled. */
  error?: string;
}

export interface EnqueueOptions {
  /** Stable id of the run. Enqueueing an id that already exists returns the existing run (idempotent submit). */
  runId?: string;
  /** Queue to wait in; default: the workflow definition's queue. */
  queue?: string;
  /** Default: the workflow definition's priority, else p2. */
  priority?: Priority;
  /** Deadline for the whole run, counted from when it starts (DBOS workflow timeout / local abort). */
  timeoutMs?: number;
  /** At most one queued-or-running run per key and queue: a duplicate submit returns the existing run. */
  dedupeKey?: string;
}

export interface ResultOptions {
  /** Give up waiting (the run itself continues) after this long; default: wait forever. */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** How often the DBOS runner polls the system database; default 100 ms. */
  pollIntervalMs?: number;
}

export interface RunHandle<O> {
  readonly runId: string;
  /** Resolves with the workflow's output; rejects with RunFailedError / RunCancelledError / ResultTimeoutError. */
  result(opts?: ResultOptions): Promise<O>;
  status(): Promise<RunInfo>;
}

export interface RunFilter {
  state?: RunPhase | readonly RunPhase[];
  queue?: string;
  workflow?: string;
  /** Default 100. */
  limit?: number;
}

/**
 * Where workflows run. The same registered workflows run on either implementation:
 * - `LocalRunner`: in this process, with in-memory queues (and an optional RunJournal for resuming);
 * - `DbosRunner`: on DBOS workflows in PostgreSQL, executed by any number of `firebreak worker` processes.
 * Pick one by config with `createRunner`; workflow code never changes.
 */
export interface Runner {
  readonly kind: 'local' | 'dbos';
  readonly registry: WorkflowRegistry;
  /**
   * Submits a run to its queue. Rejects at once with QueueFullError when the queue already holds its admission
   * limit of waiting runs (backpressure: callers retry later or shed load), and with UnknownWorkflowError for
   * a name not in the registry.
   */
  enqueue<I, O>(workflow: WorkflowDefinition<I, O> | string, input: I, opts?: EnqueueOptions): Promise<RunHandle<O>>;
  /** A handle for a run submitted earlier, possibly by another process. */
  handle<O = unknown>(runId: string): RunHandle<O>;
  /** undefined when no run has this id. */
  status(runId: string): Promise<RunInfo | undefined>;
  list(filter?: RunFilter): Promise<RunInfo[]>;
  /** Runs waiting in and running from a queue (across all workers for DBOS): for health checks and metrics. */
  depth(queue: string): Promise<{ waiting: number; running: number }>;
  /** Stops a queued or running run; a running one stops at its next step boundary. */
  cancel(runId: string): Promise<void>;
  /** Releases connections (and, for a runner that executes work, stops taking new runs). */
  close(): Promise<void>;
}
