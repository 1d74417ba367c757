import type { FailureDetector } from './types.js';

export interface FailureRateOptions {
  /** Open when failures / calls >= threshold (0 < threshold <= 1) … */
  threshold: number;
  /** … and at least this many calls ended within the window (so 1 failure of 1 call does not trip it). */
  minimumCalls: number;
  /** The sliding window's length. */
  windowMs: number;
}

/** One slice of the window: its epoch (time / bucketMs) and what ended in it. */
export interface WindowBucket {
  epoch: number;
  calls: number;
  failures: number;
}

/** Buckets per window: memory stays constant under any load, at a resolution of windowMs / 10. */
const BUCKETS = 10;

/**
 * Failure rate over a sliding time window, counted in a ring of 10 buckets (like resilience4j's time-based
 * window). A call is counted in the bucket of the moment it ended; the window covers the current bucket and
 * the 9 before it, i.e. between 0.9 and 1.0 x windowMs of history.
 */
export class FailureRate implements FailureDetector {
  readonly bucketMs: number;
  readonly #ring: WindowBucket[];

  constructor(readonly options: FailureRateOptions) {
    this.bucketMs = options.windowMs / BUCKETS;
    this.#ring = Array.from({ length: BUCKETS }, () => ({ epoch: -1, calls: 0, failures: 0 }));
  }

  success(now: number): void {
    this.#bucket(now).calls++;
  }

  failure(now: number): boolean {
    const bucket = this.#bucket(now);
    bucket.calls++;
    bucket.failures++;
    const { calls, failures } = this.totals(now);
    return calls >= this.options.minimumCalls && failures / calls >= this.options.threshold;
  }

  reset(): void {
    for (const b of this.#ring) {
      b.epoch = -1;
      b.calls = 0;
      b.failures = 0;
    }
  }

  /** Calls and failures inside the window ending at `now`. */
  totals(now: number): { calls: number; failures: number } {
    const current = Math.floor(now / this.bucketMs);
    let calls = 0;
    let failures = 0;
    for (const b of this.#ring) {
      if (b.epoch > current - BUCKETS && b.epoch <= current) {
        calls += b.calls;
        failures += b.failures;
      }
    }
    return { calls, failures };
  }

  /** The live buckets, for snapshots. */
  buckets(): WindowBucket[] {
    return this.#ring.filter((b) => b.epoch >= 0).map((b) => ({ ...b }));
  }

  /** Restores buckets from a snapshot (foreign epochs land in their ring slot; stale ones age out). */
  load(buckets: readonly WindowBucket[]): void {
    this.reset();
    for (const b of buckets) {
      const slot = this.#ring[b.epoch % BUCKETS]!;
      if (b.epoch > slot.epoch) Object.assign(slot, b);
    }
  }

  #bucket(now: number): WindowBucket {
    const epoch = Math.floor(now / this.bucketMs);
    const slot = this.#ring[epoch % BUCKETS]!;
    if (slot.epoch !== epoch) {
      slot.epoch = epoch;
      slot.calls = 0;
      slot.failures = 0;
    }
    return slot;
  }
}
