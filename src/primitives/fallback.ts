import { FallbackError, isAbortError } from './errors.js';
import { isStep } from './step.js';
import type { AnyStep, Context, OutputOf, Step } from './types.js';

/**
 * Tries alternatives in order until one succeeds.
 *
 * When to use: degraded modes — query Loki, else grep the pod logs; ask the large model, else the small one.
 * What it does: runs `primary`; on failure runs the next alternative with the same input, and so on.
 * When every one fails, rejects with FallbackError whose `errors` holds each cause in the order tried.
 * Gotchas: never falls back on cancellation (AbortError, or the run's signal aborted): that rejects at
 * once. Transparent: each alternative appears in the path under its own name.
 *
 * @example
 * const logs = fallback(step('loki', queryLoki), step('kubectl_logs', tailPods));
 */
export function fallback<I, O, A extends readonly Step<I, unknown>[]>(primary: Step<I, O>, ...alternatives: A): Step<I, O | OutputOf<A[number]>>;
export function fallback(...steps: AnyStep[]): AnyStep {
  if (steps.length === 0) throw new TypeError('fallback(primary, ...alternatives): needs at least one step');
  steps.forEach((s, i) => {
    if (!isStep(s)) throw new TypeError(`fallback(): argument ${i} is not a step`);
  });
  const names = steps.map((s) => s.name);
  return {
    name: `fallback(${names.join(',')})`,
    kind: 'fallback',
    transparent: true,
    children: steps,
    async run(input: unknown, ctx: Context): Promise<unknown> {
      const errors: unknown[] = [];
      for (const s of steps) {
        try {
          return await ctx.run(s, input);
        } catch (err) {
          if (ctx.signal.aborted || isAbortError(err)) throw err;
          errors.push(err);
        }
      }
      throw new FallbackError(names, errors);
    },
  };
}
