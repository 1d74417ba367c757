import { z } from 'zod';
import { abortReason } from './abort.js';
import { BulkheadRejectedError } from './errors.js';
import { parseOptions } from './options.js';
import { isStep } from './step.js';
import type { Context, Step } from './types.js';

export interface BulkheadOptions {
  /** Calls running at once. */
  concurrency: number;
  /** Calls allowed to wait for a slot (default 0: reject as soon as all slots are busy). */
  queue?: number;
}

/** A bulkhead-guarded step, with live counts for metrics and tests. */
export interface BulkheadStep<I, O> extends Step<I, O> {
  readonly running: number;
  readonly queued: number;
}

interface Waiter {
  readonly grant: () => void;
}

const bulkheadSchema = z
  .object({ concurrency: z.number().int().min(1), queue: z.number().int().min(0).default(0) })
  .strict();

/**
 * Limits how many calls of a step run at once, across every run that uses it.
 *
 * When to use: protecting a scarce resource — the sandbox that runs tests, a rate-limited API, the
 * database the incident is already hurting (a pool of 10 under 3x load is the seeds' pool-exhaustion drill).
 * What it does: at most `concurrency` calls run and `queue` wait (FIFO); beyond that it rejects at once with
 * BulkheadRejectedError — backpressure instead of an unbounded pile-up. A queued call whose signal aborts
 * leaves the queue immediately and rejects with the abort reason.
 * Gotchas: one bulkhead per `bulkhead()` call, shared by every run of the returned step — create it once,
 * not inside a step. Transparent.
 *
 * @example
 * const sandbox = bulkhead(step('run_tests', runTests), { concurrency: 2, queue: 4 });
 */
export function bulkhead<I, O>(inner: Step<I, O>, opts: BulkheadOptions): BulkheadStep<I, O> {
  if (!isStep(inner)) throw new TypeError('bulkhead(step, opts): the first argument is not a step');
  const { concurrency, queue } = parseOptions('bulkhead', bulkheadSchema, opts);
  let running = 0;
  // A Set keeps insertion (FIFO) order and deletes an aborted waiter in O(1).
  const waiters = new Set<Waiter>();

  const release = (): void => {
    const first = waiters.values().next();
    if (first.done) {
      running--;
      return;
    }
    // The slot passes straight to the next waiter, so `running` does not change.
    waiters.delete(first.value);
    first.value.grant();
  };

  const acquire = (signal: AbortSignal): Promise<void> | undefined => {
    if (running < concurrency) {
      running++;
      return undefined;
    }
    if (waiters.size >= queue) throw new BulkheadRejectedError(inner.name, concurrency, queue);
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        waiters.delete(waiter);
        reject(abortReason(signal));
      };
      const waiter: Waiter = {
        grant: () => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      waiters.add(waiter);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  };

  /** Runs `inner` in a slot already taken, and gives the slot back however it ends. */
  const runHeld = (input: I, ctx: Context): Promise<O> =>
    ctx.run(inner, input).then(
      (value) => {
        release();
        return value;
      },
      (err: unknown) => {
        release();
        throw err;
      },
    );

  return {
    name: `bulkhead(${inner.name})`,
    kind: 'bulkhead',
    transparent: true,
    children: [inner],
    get running() {
      return running;
    },
    get queued() {
      return waiters.size;
    },
    run(input: I, ctx: Context): Promise<O> {
      // An aborted caller must neither take a slot nor sit in the queue (its listener would never fire).
      if (ctx.signal.aborted) return Promise.reject(abortReason(ctx.signal));
      let wait: Promise<void> | undefined;
      try {
        wait = acquire(ctx.signal);
      } catch (err) {
        return Promise.reject(err);
      }
      // The common case, a free slot, adds no promise of its own beyond the release hook.
      return wait === undefined ? runHeld(input, ctx) : wait.then(() => runHeld(input, ctx));
    },
  };
}
