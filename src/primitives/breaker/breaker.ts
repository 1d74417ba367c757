import { NEVER_ABORTED } from '../abort.js';
import { ConsecutiveFailures } from './consecutive.js';
import { FailureRate } from './failure-rate.js';
import { breakerOptionsSchema, breakerSnapshotSchema, type BreakerOptions, type BreakerSnapshot, type ResolvedBreakerOptions } from './options.js';
import type { BreakerState, BreakerTransition } from './types.js';
import { BrokenCircuitError, isAbortError } from '../errors.js';
import { parseOptions } from '../options.js';
import type { BreakerStateName } from '../types.js';

/** Admission ticket for one call: results of calls admitted before the last transition are stale and ignored. */
interface Permit {
  readonly generation: number;
  readonly probe: boolean;
}

type Listener = (change: BreakerTransition) => void;
type Notify = ((change: BreakerTransition) => void) | undefined;

/**
 * A circuit breaker: stops calling a dependency that keeps failing, then probes it to see if it recovered.
 *
 * When to use: around every call to one remote dependency — one breaker per MCP server or model endpoint,
 * shared by every step that reaches it (`circuitBreaker(stepA, b)`, `circuitBreaker(stepB, b)`).
 * What it does: closed -> open after `failureThreshold` failures in a row (default 5) and/or when
 * `failureRate` trips; open rejects at once with BrokenCircuitError (carrying `retryAfterMs`); after
 * `halfOpenAfterMs` it goes half-open and lets exactly `halfOpenProbes` (default 1) calls through at once,
 * rejecting the rest; a probe success closes it, a probe failure re-opens it.
 * Gotchas: aborted calls (AbortError, or the caller's signal aborted) do not count either way. Time is
 * `Date.now()`, so snapshots (`toJSON()`/`restore()`) stay meaningful across processes. Open -> half-open
 * happens lazily, when a call arrives or `state` is read; no timer is kept.
 *
 * @example
 * const grafana = new CircuitBreaker({ name: 'grafana', failureThreshold: 3, halfOpenAfterMs: 30_000 });
 * const query = circuitBreaker(step('query', runQuery), grafana);
 */
export class CircuitBreaker {
  readonly name: string;
  readonly options: ResolvedBreakerOptions;
  #state: BreakerState = { name: 'closed' };
  #generation = 0;
  readonly #consecutive: ConsecutiveFailures | undefined;
  readonly #rate: FailureRate | undefined;
  readonly #listeners = new Set<Listener>();

  constructor(options: BreakerOptions) {
    this.options = parseOptions('CircuitBreaker', breakerOptionsSchema, options);
    this.name = this.options.name;
    const { failureThreshold, failureRate } = this.options;
    this.#consecutive = failureThreshold !== undefined || failureRate === undefined ? new ConsecutiveFailures(failureThreshold ?? 5) : undefined;
    this.#rate = failureRate ? new FailureRate(failureRate) : undefined;
  }

  /** Rebuilds a breaker from `toJSON()` output (validated; throws InvalidOptionsError naming the bad field). */
  static restore(snapshot: unknown): CircuitBreaker {
    const parsed = parseOptions('CircuitBreaker.restore', breakerSnapshotSchema, snapshot);
    const breaker = new CircuitBreaker(parsed.options);
    breaker.#load(parsed);
    return breaker;
  }

  /** The current state; reading it moves an open breaker whose wait is over to half-open. */
  get state(): BreakerStateName {
    this.#refresh(Date.now(), undefined);
    return this.#state.name;
  }

  /** Subscribes to state changes; returns the unsubscribe function. Listener errors are swallowed. */
  on(event: 'stateChange', listener: Listener): () => void {
    if (event !== 'stateChange') throw new TypeError(`CircuitBreaker.on: unknown event '${String(event)}'`);
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Runs `fn` under the breaker. Rejects with BrokenCircuitError without calling `fn` when open, isolated or
   * out of half-open probes. `signal`: when it has aborted, the call's failure is not counted.
   * `onTransition` also sees transitions this call causes (circuitBreaker() turns them into run events).
   */
  execute<T>(fn: () => Promise<T>, opts: { signal?: AbortSignal; onTransition?: Listener } = {}): Promise<T> {
    const notify = opts.onTransition;
    let permit: Permit;
    try {
      permit = this.#admit(Date.now(), notify);
    } catch (err) {
      return Promise.reject(err);
    }
    let pending: Promise<T>;
    try {
      pending = fn();
    } catch (err) {
      pending = Promise.reject(err);
    }
    return pending.then(
      (value) => {
        this.#success(permit, Date.now(), notify);
        return value;
      },
      (err: unknown) => {
        if (isAbortError(err) || (opts.signal ?? NEVER_ABORTED).aborted) this.#release(permit);
        else this.#failure(permit, Date.now(), notify);
        throw err;
      },
    );
  }

  /**
   * Holds the breaker open (state 'isolated') until every handle returned is disposed — for maintenance
   * windows or a human saying "stop touching prod". Then it closes, with counts cleared.
   */
  isolate(): { dispose(): void } {
    if (this.#state.name === 'isolated') this.#state.handles++;
    else this.#transition({ name: 'isolated', handles: 1 }, Date.now(), undefined);
    let disposed = false;
    return {
      dispose: () => {
        if (disposed || this.#state.name !== 'isolated') return;
        disposed = true;
        if (--this.#state.handles <= 0) this.#close(Date.now(), undefined);
      },
    };
  }

  /** Opens the breaker now, as if the failure threshold had been reached. */
  trip(): void {
    this.#open(Date.now(), undefined);
  }

  /** Closes the breaker and forgets all counts (also ends any isolation). */
  reset(): void {
    this.#close(Date.now(), undefined);
  }

  /** A JSON-safe snapshot (state, counts, options) for sharing or persisting; see `CircuitBreaker.restore`. */
  toJSON(): BreakerSnapshot {
    const s = this.#state;
    return {
      version: 1,
      options: this.options,
      state: s.name === 'open' ? { name: 'open', openedAt: s.openedAt } : { name: s.name },
      consecutiveFailures: this.#consecutive?.count ?? 0,
      window: this.#rate?.buckets() ?? [],
    };
  }

  #load(snapshot: BreakerSnapshot): void {
    const s = snapshot.state;
    // Isolation handles and in-flight probes belong to the process that took them: a restored isolated
    // breaker stays isolated until reset(); a restored half-open one starts with no probe in flight.
    this.#state = s.name === 'open' ? { name: 'open', openedAt: s.openedAt }
      : s.name === 'half-open' ? { name: 'half-open', probesInFlight: 0 }
        : s.name === 'isolated' ? { name: 'isolated', handles: 0 } : { name: 'closed' };
    this.#consecutive?.load(snapshot.consecutiveFailures);
    this.#rate?.load(snapshot.window);
  }

  #refresh(now: number, notify: Notify): void {
    const s = this.#state;
    if (s.name === 'open' && now - s.openedAt >= this.options.halfOpenAfterMs) {
      this.#transition({ name: 'half-open', probesInFlight: 0 }, now, notify);
    }
  }

  #admit(now: number, notify: Notify): Permit {
    this.#refresh(now, notify);
    const s = this.#state;
    switch (s.name) {
      case 'closed':
        return { generation: this.#generation, probe: false };
      case 'half-open':
        if (s.probesInFlight < this.options.halfOpenProbes) {
          s.probesInFlight++;
          return { generation: this.#generation, probe: true };
        }
        throw new BrokenCircuitError(this.name);
      case 'open':
        throw new BrokenCircuitError(this.name, s.openedAt + this.options.halfOpenAfterMs - now);
      case 'isolated':
        throw new BrokenCircuitError(this.name);
    }
  }

  #success(permit: Permit, now: number, notify: Notify): void {
    if (permit.generation !== this.#generation) return;
    if (this.#state.name === 'half-open') {
      this.#close(now, notify);
      return;
    }
    this.#consecutive?.success();
    this.#rate?.success(now);
  }

  #failure(permit: Permit, now: number, notify: Notify): void {
    if (permit.generation !== this.#generation) return;
    if (this.#state.name === 'half-open') {
      this.#open(now, notify);
      return;
    }
    // Both detectors must see every failure, so no short-circuit `||` here.
    const byCount = this.#consecutive?.failure() ?? false;
    const byRate = this.#rate?.failure(now) ?? false;
    if (byCount || byRate) this.#open(now, notify);
  }

  #release(permit: Permit): void {
    if (permit.probe && permit.generation === this.#generation && this.#state.name === 'half-open') this.#state.probesInFlight--;
  }

  #open(now: number, notify: Notify): void {
    this.#transition({ name: 'open', openedAt: now }, now, notify);
  }

  #close(now: number, notify: Notify): void {
    this.#consecutive?.reset();
    this.#rate?.reset();
    this.#transition({ name: 'closed' }, now, notify);
  }

  #transition(next: BreakerState, now: number, notify: Notify): void {
    const from = this.#state.name;
    this.#state = next;
    this.#generation++;
    if (from === next.name) return;
    const change: BreakerTransition = { breaker: this.name, from, to: next.name, at: now };
    if (notify) safely(notify, change);
    for (const listener of this.#listeners) safely(listener, change);
  }
}

function safely(fn: Listener, change: BreakerTransition): void {
  try {
    fn(change);
  } catch {
    // A broken listener (a metrics exporter) must not change what the breaker decides.
  }
}
