import { z } from 'zod';
import { abortReason, NEVER_ABORTED } from './abort.js';
import { DeadlineQueue, type Deadline } from './deadlines.js';
import { TimeoutError } from './errors.js';
import { parseOptions } from './options.js';
import { isStep } from './step.js';
import type { Context, Step } from './types.js';

// setTimeout silently clamps delays above 2^31-1 ms to 1 ms; refuse them instead.
const MAX_TIMER_MS = 2_147_483_647;
const msSchema = z.number().finite().positive().max(MAX_TIMER_MS);

/**
 * Bounds how long a step may take.
 *
 * When to use: every call that waits on something outside the process (a tool, a model, a deploy).
 * What it does: the step runs with a child signal that aborts at the deadline (with a TimeoutError as its
 * reason), and the timeout rejects with that TimeoutError at the deadline even if the step ignores its
 * signal. Nested timeouts take the earliest deadline: an outer deadline aborts the inner signal too (and the
 * outer TimeoutError is what surfaces). The timer is cleared as soon as the step settles.
 * Gotchas: transparent. A step that ignores `ctx.signal` is abandoned, not stopped. Inside `retry()` it
 * bounds each attempt (and its TimeoutError is retried); outside, it bounds the whole retry loop.
 *
 * @example
 * const query = timeout(step('query', (q: string, ctx) => prom.query(q, { signal: ctx.signal })), 5_000);
 */
export function timeout<I, O>(inner: Step<I, O>, ms: number): Step<I, O> {
  if (!isStep(inner)) throw new TypeError('timeout(step, ms): the first argument is not a step');
  const timeoutMs = parseOptions('timeout', msSchema, ms);
  const name = `timeout(${inner.name})`;
  // Every call's deadline is `timeoutMs` away, so they expire in arming order: one queue and one timer serve all.
  const deadlines = new DeadlineQueue(timeoutMs);
  return {
    name,
    kind: 'timeout',
    transparent: true,
    children: [inner],
    run(input: I, ctx: Context): Promise<O> {
      const parent = ctx.signal;
      if (parent.aborted) return Promise.reject(abortReason(parent));
      // One promise settled by whichever comes first: the step, the deadline or the caller's abort. Either of
      // the last two aborts the step's signal with the reason the timeout rejects with.
      const controller = new AbortController();
      let deadline: Deadline | undefined;
      let onParent: (() => void) | undefined;
      const cleanup = (): void => {
        if (deadline !== undefined) deadlines.cancel(deadline);
        if (onParent !== undefined) parent.removeEventListener('abort', onParent);
      };
      return new Promise<O>((resolve, reject) => {
        const stop = (reason: unknown): void => {
          cleanup();
          controller.abort(reason);
          reject(reason);
        };
        deadline = deadlines.add(() => stop(new TimeoutError(inner.name, timeoutMs)));
        if (parent !== NEVER_ABORTED) {
          onParent = () => stop(abortReason(parent));
          parent.addEventListener('abort', onParent, { once: true });
        }
        ctx.run(inner, input, { signal: controller.signal }).then(
          (value) => {
            cleanup();
            resolve(value);
          },
          (err: unknown) => {
            cleanup();
            reject(err);
          },
        );
      });
    },
  };
}
