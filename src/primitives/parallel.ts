import { z } from 'zod';
import { childController, raceAbort } from './abort.js';
import { parseOptions } from './options.js';
import { isStep } from './step.js';
import type { AnyStep, Context, InputOf, OutputOf, Step } from './types.js';

/** One branch's outcome under `settle: true`. */
export type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

type UnionToIntersection<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer X) => void ? X : never;
/** An input acceptable to every step of a record of steps (the intersection of their inputs). */
export type InputOfAll<B extends Record<string, AnyStep>> = UnionToIntersection<{ [K in keyof B]: InputOf<B[K]> }[keyof B]>;
/** The input must satisfy every branch. */
export type ParallelInput<B extends Record<string, AnyStep>> = InputOfAll<B>;
export type ParallelOutput<B extends Record<string, AnyStep>> = { [K in keyof B]: OutputOf<B[K]> };
export type ParallelSettled<B extends Record<string, AnyStep>> = { [K in keyof B]: Settled<OutputOf<B[K]>> };

export interface ParallelOptions {
  /** Branches running at once (default: all). Later branches start as earlier ones finish, in key order. */
  concurrency?: number;
  /** true: never reject on a branch failure; each output is `{ ok: true, value } | { ok: false, error }`. */
  settle?: boolean;
}

const parallelSchema = z
  .object({ concurrency: z.number().int().min(1).optional(), settle: z.boolean().optional() })
  .strict();

const branchesSchema = z
  .record(z.string().min(1).refine((k) => !k.includes('/'), "must not contain '/' (it separates path segments)"), z.custom<AnyStep>(isStep, 'expected a step'))
  .refine((b) => Object.keys(b).length > 0, 'needs at least one branch');

/**
 * Runs several steps on the same input at the same time.
 *
 * When to use: independent investigations — logs, metrics and recent deploys for one alert.
 * What it does: every branch gets the same input; the output maps each key to its branch's output (typed).
 * Each branch runs at path segment = its key, with a signal that follows the run's. Without `settle`, the
 * first failure aborts the other branches' signals (reason: an AbortError) and rejects with that failure.
 * Gotchas: aborting the run rejects at once even with `settle`, and branches not yet started never start.
 *
 * @example
 * const gather = parallel({ logs: queryLogs, metrics: queryMetrics }, { concurrency: 2 });
 * const { logs, metrics } = await run(gather, alert);
 */
export function parallel<B extends Record<string, AnyStep>>(branches: B, opts: ParallelOptions & { settle: true }): Step<ParallelInput<B>, ParallelSettled<B>>;
export function parallel<B extends Record<string, AnyStep>>(branches: B, opts?: ParallelOptions & { settle?: false }): Step<ParallelInput<B>, ParallelOutput<B>>;
export function parallel<B extends Record<string, AnyStep>>(branches: B, opts?: ParallelOptions): Step<ParallelInput<B>, ParallelOutput<B> | ParallelSettled<B>>;
export function parallel(branches: Record<string, AnyStep>, opts: ParallelOptions = {}): AnyStep {
  const table = parseOptions('parallel', branchesSchema, branches);
  const { concurrency, settle = false } = parseOptions('parallel', parallelSchema, opts);
  const keys = Object.keys(table);
  const steps = keys.map((k) => table[k]!);
  const limit = concurrency ?? keys.length;
  return {
    name: `parallel(${keys.join(',')})`,
    kind: 'parallel',
    transparent: true,
    children: steps,
    async run(input: unknown, ctx: Context): Promise<Record<string, unknown>> {
      const { controller, dispose } = childController(ctx.signal);
      try {
        return await raceAbort(runBranches(keys, steps, input, ctx, controller, limit, settle), ctx.signal);
      } finally {
        dispose();
      }
    },
  };
}

function runBranches(
  keys: readonly string[],
  steps: readonly AnyStep[],
  input: unknown,
  ctx: Context,
  controller: AbortController,
  limit: number,
  settle: boolean,
): Promise<Record<string, unknown>> {
  const signal = controller.signal;
  const n = keys.length;
  const values: unknown[] = new Array(n);
  return new Promise((resolve, reject) => {
    let next = 0;
    let active = 0;
    let finished = 0;
    let failed = false;
    const finish = (): void => {
      const out: Record<string, unknown> = {};
      for (let i = 0; i < n; i++) out[keys[i]!] = values[i];
      resolve(out);
    };
    const launch = (): void => {
      while (!failed && !signal.aborted && active < limit && next < n) {
        const i = next++;
        active++;
        ctx.run(steps[i]!, input, { signal, segment: keys[i]! }).then(
          (value) => {
            active--;
            values[i] = settle ? { ok: true, value } : value;
            if (++finished === n) finish();
            else launch();
          },
          (error: unknown) => {
            active--;
            if (settle) {
              values[i] = { ok: false, error };
              if (++finished === n) finish();
              else launch();
            } else if (!failed) {
              failed = true;
              controller.abort(new DOMException(`parallel branch '${keys[i]}' failed`, 'AbortError'));
              reject(error);
            }
          },
        );
      }
    };
    launch();
  });
}
