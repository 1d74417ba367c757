import type { BreakerStateName } from '../types.js';

export type { BreakerStateName };

/**
 * The breaker's state, as a discriminated union: each state carries only what it needs. `closed` lets
 * everything through; `open` rejects until `openedAt + halfOpenAfterMs`; `half-open` lets `probes` calls
 * through at once; `isolated` rejects until every isolation handle is disposed (or `reset()`).
 */
export type BreakerState =
  | { readonly name: 'closed' }
  | { readonly name: 'open'; readonly openedAt: number }
  | { readonly name: 'half-open'; probesInFlight: number }
  | { readonly name: 'isolated'; handles: number };

/** A state change, as seen by `breaker.on('stateChange', fn)` and turned into a 'breaker' run event. */
export interface BreakerTransition {
  readonly breaker: string;
  readonly from: BreakerStateName;
  readonly to: BreakerStateName;
  /** Epoch ms. */
  readonly at: number;
}

/**
 * A failure detector decides, while the breaker is closed, when it should open. Two ship: consecutive
 * failures and failure rate over a sliding window; a breaker may use both (either one trips it).
 */
export interface FailureDetector {
  /** Records a counted success at `now`. */
  success(now: number): void;
  /** Records a counted failure at `now`; true = the breaker should open. */
  failure(now: number): boolean;
  /** Forgets everything (the breaker closed again). */
  reset(): void;
}
