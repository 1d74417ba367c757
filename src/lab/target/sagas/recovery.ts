import type { SagaRow, SagaStore } from './store.js';

export interface SagaRecoveryOptions {
  readonly staleAfterMs: number;
  readonly maxRetries: number;
  readonly intervalMs: number;
}

export interface SagaRecoveryEvents {
  /** A stuck RUNNING saga was marked RETRY_PENDING; `stuckForMs` is how long it had not moved. */
  onRecovered?(saga: SagaRow, stuckForMs: number): void;
  /** Stale RUNNING sagas the runbook leaves alone because their retry budget is spent. */
  onBeyondBudget?(count: number): void;
  onError?(err: unknown): void;
}

/**
 * The seed-002 recovery runbook, automated: every `intervalMs`, RUNNING sagas whose `updated_at` is older
 * than `staleAfterMs` and whose `retry_count < maxRetries` become RETRY_PENDING (retry_count + 1), so the
 * processor picks them up again. Sagas past the budget stay RUNNING for a human to look at.
 *
 * Gotcha: `staleAfterMs` must exceed the longest step, or sagas that are merely slow get run twice.
 */
export class SagaRecovery {
  private timer: NodeJS.Timeout | undefined;
  private lastBeyondBudget = 0;

  constructor(
    private readonly store: SagaStore,
    private readonly options: SagaRecoveryOptions,
    private readonly events: SagaRecoveryEvents = {},
  ) {}

  start(): void {
    this.timer ??= setInterval(() => this.sweep(), this.options.intervalMs);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** One pass of the runbook; returns the sagas it re-queued. */
  sweep(now = Date.now()): SagaRow[] {
    try {
      const staleBefore = now - this.options.staleAfterMs;
      const recovered = this.store.markStaleForRetry(staleBefore, this.options.maxRetries, now);
      for (const { saga, stuckSince } of recovered) this.events.onRecovered?.(saga, now - stuckSince);
      const beyond = this.store.countStaleBeyondBudget(staleBefore, this.options.maxRetries);
      // Report only changes, so the log does not repeat the same line every second.
      if (beyond !== this.lastBeyondBudget && beyond > 0) this.events.onBeyondBudget?.(beyond);
      this.lastBeyondBudget = beyond;
      return recovered.map((r) => r.saga);
    } catch (err) {
      this.events.onError?.(err);
      return [];
    }
  }
}
