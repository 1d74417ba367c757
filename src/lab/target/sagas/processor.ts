import { setTimeout as sleep } from 'node:timers/promises';
import { sampleDurationMs, type DurationSpec, type Random } from '../distribution.js';
import type { SagaRow, SagaStore } from './store.js';

export interface SagaProcessorOptions {
  readonly pollIntervalMs: number;
  readonly batchSize: number;
  readonly maxConcurrent: number;
  readonly steps: readonly string[];
  readonly stepDuration: DurationSpec;
  readonly random?: Random;
}

export interface SagaProcessorEvents {
  onStarted?(saga: SagaRow): void;
  onCompleted?(saga: SagaRow, durationMs: number): void;
  onError?(err: unknown): void;
}

/**
 * The saga coordinator: polls the table, claims PENDING / RETRY_PENDING sagas (-> RUNNING) and runs their
 * steps in order, heartbeating `updated_at` at each step, then marks them COMPLETED.
 *
 * Like the coordinator of seed 002 it keeps in-flight saga state only in memory and never looks at
 * RUNNING rows: when the process dies mid-saga (a crash, an OOM kill, or a redeploy — stop() does not
 * drain), those rows stay RUNNING forever unless the recovery runbook re-queues them.
 */
export class SagaProcessor {
  private timer: NodeJS.Timeout | undefined;
  private readonly active = new Set<string>();
  private readonly stopping = new AbortController();
  private readonly random: Random;

  constructor(
    private readonly store: SagaStore,
    private readonly options: SagaProcessorOptions,
    private readonly events: SagaProcessorEvents = {},
  ) {
    this.random = options.random ?? Math.random;
  }

  start(): void {
    this.timer ??= setInterval(() => this.poll(), this.options.pollIntervalMs);
  }

  /** Sagas this process is running right now. */
  activeCount(): number {
    return this.active.size;
  }

  /** Stops polling and abandons in-flight sagas where they are (RUNNING). Returns how many were abandoned. */
  stop(): number {
    clearInterval(this.timer);
    this.stopping.abort();
    return this.active.size;
  }

  private poll(): void {
    const room = Math.min(this.options.batchSize, this.options.maxConcurrent - this.active.size);
    if (room <= 0 || this.stopping.signal.aborted) return;
    let claimed: SagaRow[];
    try {
      claimed = this.store.claim(room);
    } catch (err) {
      this.events.onError?.(err);
      return;
    }
    for (const saga of claimed) void this.run(saga);
  }

  private async run(saga: SagaRow): Promise<void> {
    const started = performance.now();
    this.active.add(saga.id);
    this.events.onStarted?.(saga);
    try {
      for (const step of this.options.steps) {
        this.store.heartbeat(saga.id, step);
        await sleep(sampleDurationMs(this.options.stepDuration, this.random), undefined, { signal: this.stopping.signal });
      }
      this.store.finish(saga.id, 'COMPLETED');
      this.events.onCompleted?.(saga, performance.now() - started);
    } catch (err) {
      // An abort is the process going away: the row is deliberately left RUNNING.
      if (!this.stopping.signal.aborted) this.events.onError?.(err);
    } finally {
      this.active.delete(saga.id);
    }
  }
}
