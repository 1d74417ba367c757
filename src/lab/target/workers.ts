import { randomUUID } from 'node:crypto';
import { sampleDurationMs, type DurationSpec, type Random } from './distribution.js';
import { TaskQueueFullError } from './errors.js';

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
  attempt: number;
}

/** What the worker pool reports; the service turns these into metrics and log lines. */
export interface WorkerPoolEvents {
  onTimeout?(task: Task, timeoutMs: number, willRetry: boolean): void;
  onRetry?(task: Task): void;
  onFinished?(task: Task, outcome: 'succeeded' | 'failed', runMs: number): void;
}

export interface WorkerPoolStats {
  readonly concurrency: number;
  readonly busy: number;
  readonly queueDepth: number;
  readonly maxQueueDepth: number | null;
  readonly taskTimeoutMs: number | null;
  /** Age of the oldest queued task, ms (0 when the queue is empty). */
  readonly oldestQueuedMs: number;
}

/**
 * A bounded worker pool consuming an in-memory FIFO task queue — the seed-000 backlog.
 *
 * Each attempt's duration comes from a long-tailed distribution. Without `taskTimeoutMs` the rare long
 * attempts keep their slots until every worker is stuck and the queue only grows. With a timeout, a slow
 * attempt is cut and re-queued as a retry (attempt + 1) until `maxAttempts`: long tails stop holding
 * slots, but a timeout set below the normal duration turns every task into retries — the cascade.
 * Queued tasks are in memory: a restart drops them, as a broker without persistence would.
 */
export class WorkerPool {
  private readonly queue: Task[] = [];
  private busy = 0;
  private closed = false;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly random: Random;

  constructor(
    private readonly options: WorkerPoolOptions,
    private readonly events: WorkerPoolEvents = {},
  ) {
    this.random = options.random ?? Math.random;
  }

  /** Queues a new task. Throws `TaskQueueFullError` when `maxQueueDepth` is reached. */
  enqueue(kind = 'default'): Task {
    const max = this.options.maxQueueDepth;
    if (max !== null && this.queue.length >= max) throw new TaskQueueFullError(this.queue.length, max);
    const task: Task = { id: randomUUID(), kind, enqueuedAt: Date.now(), attempt: 1 };
    this.queue.push(task);
    this.dispatch();
    return task;
  }

  stats(): WorkerPoolStats {
    const oldest = this.queue[0];
    return {
      concurrency: this.options.concurrency,
      busy: this.busy,
      queueDepth: this.queue.length,
      maxQueueDepth: this.options.maxQueueDepth,
      taskTimeoutMs: this.options.taskTimeoutMs,
      oldestQueuedMs: oldest ? Date.now() - oldest.enqueuedAt : 0,
    };
  }

  /** Stops dispatching and abandons running attempts (their timers are cleared). Queued tasks are dropped. */
  close(): void {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.queue.length = 0;
  }

  private dispatch(): void {
    while (!this.closed && this.busy < this.options.concurrency && this.queue.length > 0) {
      const task = this.queue.shift();
      if (task) this.run(task);
    }
  }

  private run(task: Task): void {
    this.busy++;
    const durationMs = sampleDurationMs(this.options.taskDuration, this.random);
    const timeoutMs = this.options.taskTimeoutMs;
    const timedOut = timeoutMs !== null && durationMs > timeoutMs;
    const runMs = timedOut ? timeoutMs : durationMs;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.busy--;
      if (timedOut) this.timeOut(task, timeoutMs);
      else this.events.onFinished?.(task, 'succeeded', runMs);
      this.dispatch();
    }, runMs);
    this.timers.add(timer);
  }

  private timeOut(task: Task, timeoutMs: number): void {
    const willRetry = task.attempt < this.options.maxAttempts;
    this.events.onTimeout?.(task, timeoutMs, willRetry);
    if (!willRetry) {
      this.events.onFinished?.(task, 'failed', timeoutMs);
      return;
    }
    task.attempt++;
    // Retries go to the back of the queue, ahead of nothing: they compete with new work (the cascade).
    this.queue.push(task);
    this.events.onRetry?.(task);
  }
}
