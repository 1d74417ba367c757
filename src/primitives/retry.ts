import { z } from 'zod';
import { abortReason, NEVER_ABORTED, raceAbort, sleep } from './abort.js';
import { exponential } from './backoff/exponential.js';
import type { Backoff } from './backoff/types.js';
import { publishEvent, RunContext, visibleTarget } from './context.js';
import { isAbortError } from './errors.js';
import { parseOptions } from './options.js';
import { isStep } from './step.js';
import type { Context, Step } from './types.js';

export interface RetryOptions {
  /** Total calls, counting the first: 3 = at most 3 calls (2 retries). `Infinity` retries until aborted. */
  attempts: number;
  /** Delay before each retry; default exponential, full jitter, 100 ms up to 10 s. */
  backoff?: Backoff;
  /** Whether to retry after `err` failed attempt number `attempt` (1-based); default `defaultRetryOn`. */
  retryOn?: (err: unknown, attempt: number) => boolean;
  /** Sees each failure that will be retried, before the sleep (the step form also emits a 'retry' event). */
  onRetry?: (info: RetryInfo) => void;
}

/** What `withRetry` reports before each sleep. */
export interface RetryInfo {
  /** The attempt that just failed (1-based). */
  attempt: number;
  delayMs: number;
  error: unknown;
}

const NOT_RETRIED = new Set([
  'AbortError', // the caller gave up
  'BrokenCircuitError', // the breaker exists to stop exactly these calls
  'BulkheadRejectedError', // backpressure: retrying would add load where there is no room
  'ZodError', // invalid input stays invalid
  'InvalidOptionsError',
  'RouteNotFoundError',
]);

/**
 * The default retry predicate: retries everything except errors that cannot get better by trying again —
 * AbortError, BrokenCircuitError, BulkheadRejectedError, ZodError (matched by name, so any zod copy),
 * InvalidOptionsError and RouteNotFoundError. TimeoutError IS retried: it comes from an inner `timeout()`
 * (one slow attempt); an outer deadline aborts the retry's own signal, and an aborted retry never retries.
 * Compose it: `retryOn: (e, n) => defaultRetryOn(e, n) && !isClientError(e)`.
 */
export function defaultRetryOn(err: unknown, _attempt: number): boolean {
  if (isAbortError(err)) return false;
  const name = typeof err === 'object' && err !== null ? (err as { name?: unknown }).name : undefined;
  return !(typeof name === 'string' && NOT_RETRIED.has(name));
}

/** An error's own minimum wait (a 429's retry-after), if it carries a numeric `retryAfterMs`. */
export function retryAfterMs(err: unknown): number {
  if (typeof err !== 'object' || err === null) return 0;
  const value = (err as { retryAfterMs?: unknown }).retryAfterMs;
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : 0;
}

const retrySchema = z
  .object({
    attempts: z.union([z.number().int().min(1), z.literal(Infinity)]),
    backoff: z.custom<Backoff>((v) => typeof v === 'object' && v !== null && typeof (v as Backoff).delay === 'function', 'expected a Backoff (backoff.constant/linear/exponential)').optional(),
    retryOn: z.custom<(err: unknown, attempt: number) => boolean>((v) => typeof v === 'function', 'expected a function').optional(),
    onRetry: z.custom<(info: RetryInfo) => void>((v) => typeof v === 'function', 'expected a function').optional(),
  })
  .strict();

interface Policy {
  readonly attempts: number;
  readonly backoff: Backoff;
  readonly retryOn: (err: unknown, attempt: number) => boolean;
}

function policyOf(primitive: string, opts: RetryOptions): Policy & { onRetry: (info: RetryInfo) => void } {
  const parsed = parseOptions(primitive, retrySchema, opts);
  return {
    attempts: parsed.attempts,
    backoff: parsed.backoff ?? exponential({ initialMs: 100, maxMs: 10_000, jitter: 'full' }),
    retryOn: parsed.retryOn ?? defaultRetryOn,
    onRetry: parsed.onRetry ?? noop,
  };
}

/**
 * The one retry loop behind `retry()` and `withRetry()`. Stops at once, without consulting `retryOn`, when
 * `signal` has aborted; the sleep between attempts rejects the moment `signal` aborts. The first attempt's
 * promise is returned as it is when it succeeds: the loop itself only starts after a failure.
 */
function loop<T>(
  attemptOnce: (attempt: number) => Promise<T>,
  policy: Policy,
  signal: AbortSignal,
  beforeSleep: (info: RetryInfo) => void,
): Promise<T> {
  const first = attemptOnce(1);
  if (policy.attempts <= 1) return first;
  return first.catch((err: unknown) => retryAfterFailure(err, attemptOnce, policy, signal, beforeSleep));
}

async function retryAfterFailure<T>(
  firstError: unknown,
  attemptOnce: (attempt: number) => Promise<T>,
  policy: Policy,
  signal: AbortSignal,
  beforeSleep: (info: RetryInfo) => void,
): Promise<T> {
  let previousMs = 0;
  let err = firstError;
  for (let attempt = 1; ; attempt++) {
    if (attempt >= policy.attempts || signal.aborted || !policy.retryOn(err, attempt)) throw err;
    const planned = policy.backoff.delay(attempt, previousMs);
    previousMs = planned;
    const delayMs = Math.max(planned, retryAfterMs(err));
    beforeSleep({ attempt, delayMs, error: err });
    await sleep(delayMs, signal);
    try {
      return await attemptOnce(attempt + 1);
    } catch (next) {
      err = next;
    }
  }
}

/**
 * Retries a step that fails.
 *
 * When to use: transient failures — a flaky query, a 429 from a model API, an MCP server restarting.
 * What it does: runs `inner` up to `attempts` times; each attempt runs through the runner with
 * `ctx.attempt` = 1, 2, …, so its start/end/error events carry the attempt. Before each sleep a 'retry'
 * event (attempt = the one that failed, delayMs, error) goes into the run's event stream. An error with a
 * numeric `retryAfterMs` makes the wait at least that long.
 * Gotchas: transparent (the wrapped step is what the path shows). Retrying a side effect repeats it: make the
 * step idempotent with `ctx.idempotencyKey` first. Wrap `timeout()` inside to bound each attempt, outside to
 * bound the total.
 *
 * @example
 * const query = retry(step('query', fetchMetrics), { attempts: 3, backoff: backoff.exponential({ initialMs: 100, maxMs: 2_000 }) });
 */
export function retry<I, O>(inner: Step<I, O>, opts: RetryOptions): Step<I, O> {
  if (!isStep(inner)) throw new TypeError('retry(step, opts): the first argument is not a step');
  const policy = policyOf('retry', opts);
  return {
    name: `retry(${inner.name})`,
    kind: 'retry',
    transparent: true,
    children: [inner],
    run(input: I, ctx: Context): Promise<O> {
      // Attempt 1 under a context that hands no attempt down already runs its steps as attempt 1: no options then.
      const first = ctx instanceof RunContext && !ctx.inheritsAttempt ? ctx.run(inner, input) : ctx.run(inner, input, { attempt: 1 });
      if (policy.attempts <= 1) return first;
      // The loop and its event callback are only built once an attempt has failed.
      return first.catch((err: unknown) =>
        retryAfterFailure(err, (attempt) => ctx.run(inner, input, { attempt }), policy, ctx.signal, (info) => {
          const target = visibleTarget(ctx.path, inner);
          publishEvent(ctx, {
            type: 'retry', runId: ctx.runId, path: target.path, at: Date.now(),
            step: target.name, attempt: info.attempt, delayMs: info.delayMs, error: info.error,
          });
          policy.onRetry(info);
        }),
      );
    },
  };
}

/**
 * The same retry policy for a plain async function (an SDK call outside any step).
 *
 * When to use: adapters (the Anthropic model retries 429/529 through this, honouring retry-after via an
 * error's `retryAfterMs`). Inside a workflow prefer `retry(step)`: its attempts show up as events.
 * What it does: calls `fn(attempt, signal)` up to `attempts` times; `onRetry` sees each failure before the
 * sleep. Rejects with the signal's reason as soon as `signal` aborts, even if `fn` ignores it.
 *
 * @example
 * const reply = await withRetry((n, signal) => client.messages.create(body, { signal }), { attempts: 4 }, ctx.signal);
 */
export function withRetry<T>(
  fn: (attempt: number, signal: AbortSignal) => Promise<T>,
  opts: RetryOptions,
  signal: AbortSignal = NEVER_ABORTED,
): Promise<T> {
  if (typeof fn !== 'function') throw new TypeError('withRetry(fn, opts): fn must be a function');
  const policy = policyOf('withRetry', opts);
  return loop((attempt) => {
    if (signal.aborted) return Promise.reject(abortReason(signal));
    let promise: Promise<T>;
    try {
      promise = Promise.resolve(fn(attempt, signal));
    } catch (err) {
      promise = Promise.reject(err);
    }
    return raceAbort(promise, signal);
  }, policy, signal, policy.onRetry);
}

function noop(): void {}
