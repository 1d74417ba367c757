import type { FailureDetector } from './types.js';

/** Opens after `threshold` failures in a row; any success starts the count again. */
export class ConsecutiveFailures implements FailureDetector {
  #count = 0;

  constructor(readonly threshold: number) {}

  /** Failures in a row so far (for snapshots). */
  get count(): number {
    return this.#count;
  }

  success(): void {
    this.#count = 0;
  }

  failure(): boolean {
    this.#count++;
    return this.#count >= this.threshold;
  }

  reset(): void {
    this.#count = 0;
  }

  /** Restores a count from a snapshot. */
  load(count: number): void {
    this.#count = count;
  }
}
