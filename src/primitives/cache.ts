import { z } from 'zod';
import { abortReason, raceAbort } from './abort.js';
import { parseOptions } from './options.js';
import { isStep } from './step.js';
import type { Context, Step } from './types.js';

export interface CacheOptions<I> {
  /** The cache key for an input; must capture everything the output depends on. */
  key: (input: I) => string;
  /** How long a result is served after it was computed. */
  ttlMs: number;
  /** Least recently used entries are evicted beyond this (default 1000). */
  maxEntries?: number;
}

/** A cached step, with invalidation. */
export interface CacheStep<I, O> extends Step<I, O> {
  /** Entries currently stored (expired ones are dropped lazily). */
  readonly size: number;
  /** Forgets one key; a computation in flight for it is not stored when it completes. */
  delete(key: string): boolean;
  /** Forgets everything, including what computations in flight would have stored. */
  clear(): void;
}

interface Entry<O> {
  readonly value: O;
  readonly expiresAt: number;
}

/** One shared computation and the number of callers still waiting for it. */
interface Flight<O> {
  readonly controller: AbortController;
  readonly promise: Promise<O>;
  waiters: number;
}

const cacheSchema = z
  .object({
    key: z.custom<(input: unknown) => string>((v) => typeof v === 'function', 'expected a function'),
    ttlMs: z.number().finite().positive(),
    maxEntries: z.number().int().min(1).default(1000),
  })
  .strict();

/**
 * Remembers a step's successful outputs for `ttlMs`, and runs it once for concurrent calls with one key.
 *
 * When to use: expensive, read-only steps called repeatedly — the same PromQL query from three personas,
 * fetching a runbook, listing a repository's files.
 * What it does: a fresh entry is returned without running the step (no events). Otherwise concurrent calls
 * with the same key share one computation (single-flight). Errors are never cached. At most `maxEntries`
 * entries, least recently used evicted first.
 * Gotchas: the shared computation runs with its own signal, aborted only when EVERY caller waiting for it
 * has given up — so one caller's cancellation never fails the others, and a computation nobody waits for
 * stops. It runs in the context (path, run, events) of the caller that started it. Shared across runs: never
 * cache side effects, and put whatever distinguishes callers (tenant, time range) into the key.
 *
 * @example
 * const rates = cache(step('error_rate', queryErrorRate), { key: (q: Query) => `${q.service}:${q.window}`, ttlMs: 15_000 });
 */
export function cache<I, O>(inner: Step<I, O>, opts: CacheOptions<I>): CacheStep<I, O> {
  if (!isStep(inner)) throw new TypeError('cache(step, opts): the first argument is not a step');
  const { key: keyOf, ttlMs, maxEntries } = parseOptions('cache', cacheSchema, opts);
  // Map iteration order is insertion order: re-inserting on a hit makes the first key the least recently used.
  const entries = new Map<string, Entry<O>>();
  const flights = new Map<string, Flight<O>>();

  const store = (key: string, value: O): void => {
    entries.delete(key);
    entries.set(key, { value, expiresAt: Date.now() + ttlMs });
    while (entries.size > maxEntries) entries.delete(entries.keys().next().value!);
  };

  const start = (key: string, input: I, ctx: Context): Flight<O> => {
    const controller = new AbortController();
    const promise = ctx.run(inner, input, { signal: controller.signal }).then(
      (value) => {
        if (flights.get(key) === flight) {
          flights.delete(key);
          store(key, value);
        }
        return value;
      },
      (err: unknown) => {
        if (flights.get(key) === flight) flights.delete(key);
        throw err;
      },
    );
    promise.catch(noop); // every waiter may have left; the rejection is then nobody's to handle
    const flight: Flight<O> = { controller, promise, waiters: 0 };
    flights.set(key, flight);
    return flight;
  };

  const join = (key: string, flight: Flight<O>, signal: AbortSignal): Promise<O> => {
    flight.waiters++;
    return raceAbort(flight.promise, signal, () => {
      if (--flight.waiters === 0) {
        // The last waiter left: stop the work, and let the next caller start afresh.
        if (flights.get(key) === flight) flights.delete(key);
        flight.controller.abort(abortReason(signal));
      }
    });
  };

  return {
    name: `cache(${inner.name})`,
    kind: 'cache',
    transparent: true,
    children: [inner],
    get size() {
      return entries.size;
    },
    delete(key: string): boolean {
      flights.delete(key);
      return entries.delete(key);
    },
    clear(): void {
      flights.clear();
      entries.clear();
    },
    async run(input: I, ctx: Context): Promise<O> {
      const key = keyOf(input);
      if (typeof key !== 'string') throw new TypeError(`cache(${inner.name}): key() must return a string, got ${typeof key}`);
      const hit = entries.get(key);
      if (hit !== undefined) {
        entries.delete(key);
        if (hit.expiresAt > Date.now()) {
          entries.set(key, hit);
          return hit.value;
        }
      }
      if (ctx.signal.aborted) throw abortReason(ctx.signal);
      return join(key, flights.get(key) ?? start(key, input, ctx), ctx.signal);
    },
  };
}

function noop(): void {}
