/**
 * A backoff strategy: how long to wait before each retry. Strategies are small stateless objects, so one
 * instance can be shared by every retry in the process; whatever a strategy needs to remember between
 * retries (decorrelated jitter needs the previous delay) is handed back to it by the caller.
 */
export interface Backoff {
  /**
   * The delay in ms before retry number `retry` (1 = the wait between the first and second call).
   * `previousMs` is the delay this strategy returned for the previous retry (0 before the first).
   * Always a finite number >= 0.
   */
  delay(retry: number, previousMs: number): number;
}

/** A source of uniform random numbers in [0, 1); injectable so jittered schedules can be tested exactly. */
export type RandomSource = () => number;
