import { z } from 'zod';
import { childController, raceAbort } from './abort.js';
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
  return {
    name,
    kind: 'timeout',
    transparent: true,
    children: [inner],
    async run(input: I, ctx: Context): Promise<O> {
      const { controller, dispose } = childController(ctx.signal);
      const timer = setTimeout(() => controller.abort(new TimeoutError(inner.name, timeoutMs)), timeoutMs);
      try {
        return await raceAbort(ctx.run(inner, input, { signal: controller.signal }), controller.signal);
      } finally {
        clearTimeout(timer);
        dispose();
      }
    },
  };
}
