import { randomUUID } from 'node:crypto';
import { sampleDurationMs, type DurationSpec, type Random } from './distribution.js';
import type { TaskRow, TaskStore } from './tasks/store.js';

export interface WorkerPoolOptions {
  readonly concurrency: number;
  /** null: an attempt runs as long as its sampled duration, holding its worker slot all along. */
  readonly taskTimeoutMs: number | null;
  readonly maxAttempts: number;
  readonly maxQueueDepth: number | null;
  readonly taskDuration: DurationSpec;
  readonly random?: Random;
}

export interface Task {
  readonly id: string;
  readonly kind: string;
  readonly enqueuedAt: number;
  readonly attempt: number;
}

/** What the worker pool reports; the service turns these into metrics and log lines. */
export interface WorkerPoolEvents {
  onTimeout?(task: Task, timeoutMs: number, willRetry: boolean): void;
  onRetry?(task: Task): void;
  onFinished?(task: Task, outcome: 'succeeded' | 'failed', runMs: number): void;
  /** Attempts a previous process was running when it died, put back in the queue at start(). */
  onRecovered?(count: number): void;
  /** The store failed (disk full, locked): the pool keeps serving and retries on the next dispatch. */
  onError?(err: unknown): void;
}

export interface WorkerPoolStats {
  readonly concurrency: number;
  readonly busy: number;
  readonly queueDepth: number;
  readonly maxQueueDepth: number | null;
  readonly taskTimeoutMs: number | null;
  /** Age of the oldest queued task, ms (0 when the queue is empty). */
  readonly oldestQueuedMs: number;
  /** Age of the longest-running current attempt, ms (0 when none runs). */
  readonly oldestRunningMs: number;
}

const toTask = (row: TaskRow): Task => ({ id: row.id, kind: row.kind, enqueuedAt: row.enqueued_at, attempt: row.attempt });

/**
 * A bounded worker pool consuming the durable task queue (`TaskStore`) — the seed-000 backlog.
 *
 * Each attempt's duration comes from a long-tailed distribution. Without `taskTimeoutMs` the rare long
 * attempts keep their slots until every worker is stuck and the queue only grows. With a timeout, a slow
 * attempt is cut and re-queued as a retry (attempt + 1, at the back) until `maxAttempts`: long tails stop
 * holding slots, but a timeout set below the normal duration turns every task into retries — the cascade.
 * The queue is durable: a restart drops nothing; `start()` re-queues what a dead process was running.
 */
export class WorkerPool {
  /** This process's identity in the store: attempts it runs are `running` under this owner. */
  readonly owner = `pid-${process.pid}-${randomUUID().slice(0, 8)}`;
  private readonly running = new Map<string, { task: Task; startedAt: number; timer: NodeJS.Timeout }>();
  private closed = false;
  private started = false;
  private readonly random: Random;

  constructor(
    private readonly store: TaskStore,
    private readonly options: WorkerPoolOptions,
    private readonly events: WorkerPoolEvents = {},
  ) {
    this.random = options.random ?? Math.random;
  }

  /** Re-queues the attempts of a process that died, then starts consuming the queue. */
  start(): void {
    if (this.started || this.closed) return;
    this.started = true;
    const recovered = this.store.recoverOrphans(this.owner);
    if (recovered > 0) this.events.onRecovered?.(recovered);
    this.dispatch();
  }

  /** Accepts a new task. Throws `TaskQueueFullError` when `maxQueueDepth` tasks are queued already. */
  enqueue(kind = 'default'): Task {
    const task = toTask(this.store.enqueue(kind, this.options.maxQueueDepth));
    this.dispatch();
    return task;
  }

  stats(): WorkerPoolStats {
    const now = Date.now();
    const oldestQueued = this.store.oldestQueuedAt();
    let oldestRunning: number | undefined;
    for (const r of this.running.values()) oldestRunning = Math.min(oldestRunning ?? r.startedAt, r.startedAt);
    return {
      concurrency: this.options.concurrency,
      busy: this.running.size,
      queueDepth: this.store.queuedCount(),
      maxQueueDepth: this.options.maxQueueDepth,
      taskTimeoutMs: this.options.taskTimeoutMs,
      oldestQueuedMs: oldestQueued === undefined ? 0 : Math.max(0, now - oldestQueued),
      oldestRunningMs: oldestRunning === undefined ? 0 : Math.max(0, now - oldestRunning),
    };
  }

  /**
   * Stops dispatching and hands the running attempts back to the queue (they keep their place), so the
   * next process runs them. Queued tasks stay queued: nothing accepted is dropped.
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const r of this.running.values()) clearTimeout(r.timer);
    this.running.clear();
    this.store.recoverOrphans(this.owner, { own: true });
  }

  private dispatch(): void {
    if (!this.started || this.closed) return;
    const free = this.options.concurrency - this.running.size;
    if (free <= 0) return;
    let claimed: TaskRow[];
    try {
      claimed = this.store.claim(free, this.owner);
    } catch (err) {
      this.events.onError?.(err);
      return;
    }
    for (const row of claimed) this.run(toTask(row));
  }

  private run(task: Task): void {
    const durationMs = sampleDurationMs(this.options.taskDuration, this.random);
    const timeoutMs = this.options.taskTimeoutMs;
    const timedOut = timeoutMs !== null && durationMs > timeoutMs;
    const runMs = timedOut ? timeoutMs : durationMs;
    const timer = setTimeout(() => {
      this.running.delete(task.id);
      if (this.closed) return;
      try {
        if (timedOut) this.timeOut(task, timeoutMs);
        else {
          this.store.finish(task.id, this.owner, 'succeeded');
          this.events.onFinished?.(task, 'succeeded', runMs);
        }
      } catch (err) {
        this.events.onError?.(err);
      }
      this.dispatch();
    }, runMs);
    this.running.set(task.id, { task, startedAt: Date.now(), timer });
  }

  private timeOut(task: Task, timeoutMs: number): void {
    const willRetry = task.attempt < this.options.maxAttempts;
    this.events.onTimeout?.(task, timeoutMs, willRetry);
    if (!willRetry) {
      this.store.finish(task.id, this.owner, 'failed');
      this.events.onFinished?.(task, 'failed', timeoutMs);
      return;
    }
    const next: Task = { ...task, attempt: task.attempt + 1 };
    // Retries go to the back of the queue, ahead of nothing: they compete with new work (the cascade).
    this.store.retry(task.id, this.owner, next.attempt);
    this.events.onRetry?.(next);
  }
}
