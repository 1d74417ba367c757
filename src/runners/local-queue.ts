import type { ResolvedQueue } from './config.js';
import { QueueFullError } from './errors.js';
import { PRIORITIES, priorityRank, type Priority } from './types.js';

/** A unit of queued work; `start` is called once a slot is free and must settle when the work ends. */
export interface QueuedTask {
  readonly priority: Priority;
  start(): Promise<void>;
}

/**
 * The local runner's queue: the same contract as a DBOS queue in one process — strict priority (p0 before p1
 * …, FIFO within a priority), at most `min(concurrency, workerConcurrency)` tasks running, and an admission
 * limit on waiting tasks that rejects instead of growing without bound.
 */
export class LocalQueue {
  readonly #buckets: QueuedTask[][] = PRIORITIES.map(() => []);
  readonly #slots: number;
  #running = 0;
  #waiting = 0;

  constructor(readonly config: ResolvedQueue) {
    this.#slots = Math.min(config.concurrency ?? Number.POSITIVE_INFINITY, config.workerConcurrency);
  }

  get waiting(): number {
    return this.#waiting;
  }

  get running(): number {
    return this.#running;
  }

  /** Queues `task`, or throws QueueFullError (synchronously, nothing queued) when the backlog is at its limit. */
  admit(task: QueuedTask): void {
    if (this.#waiting >= this.config.maxQueued) throw new QueueFullError(this.config.name, this.#waiting, this.config.maxQueued);
    (this.#buckets[priorityRank(task.priority)] as QueuedTask[]).push(task);
    this.#waiting++;
    this.#pump();
  }

  /** Takes a task out of the queue before it starts; false when it already started (or was never queued). */
  remove(task: QueuedTask): boolean {
    const bucket = this.#buckets[priorityRank(task.priority)] as QueuedTask[];
    const at = bucket.indexOf(task);
    if (at < 0) return false;
    bucket.splice(at, 1);
    this.#waiting--;
    return true;
  }

  #pump(): void {
    while (this.#running < this.#slots && this.#waiting > 0) {
      const task = this.#next();
      if (!task) return;
      this.#running++;
      // start() never rejects (the runner records failures); the guard keeps a slot from leaking regardless.
      task.start().catch(() => undefined).finally(() => {
        this.#running--;
        this.#pump();
      });
    }
  }

  #next(): QueuedTask | undefined {
    for (const bucket of this.#buckets) {
      const task = bucket.shift();
      if (task) {
        this.#waiting--;
        return task;
      }
    }
    return undefined;
  }
}
