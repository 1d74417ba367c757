import type { Context, Step } from './types.js';

export interface StepOptions {
  /** The step changes the world (opens a PR, deploys): tools should de-duplicate with `ctx.idempotencyKey`. */
  sideEffect?: boolean;
  /** false: never journal this step's output (it is not JSON, or is cheap and safe to redo). */
  durable?: boolean;
}

/**
 * Makes a Step from a function.
 *
 * When to use: any unit of work — a query, a transformation, a call to a tool.
 * What it does: the function receives the input and the step's Context (signal, logger, memory, path);
 * a sync throw becomes a rejection.
 * Gotchas: honour `ctx.signal` in long waits, or cancellation can only abandon the work, not stop it.
 *
 * @example
 * const parse = step('parse', (raw: string) => JSON.parse(raw) as { n: number });
 */
export function step<I, O>(name: string, fn: (input: I, ctx: Context) => O | Promise<O>, options: StepOptions = {}): Step<I, O> {
  if (typeof name !== 'string' || name.length === 0) throw new TypeError('step(name, fn): name must be a non-empty string');
  if (name.includes('/')) throw new TypeError(`step(name, fn): name '${name}' must not contain '/' (it separates path segments)`);
  if (typeof fn !== 'function') throw new TypeError(`step('${name}', fn): fn must be a function`);
  return {
    name,
    kind: 'step',
    ...(options.sideEffect ? { sideEffect: true } : {}),
    ...(options.durable === false ? { durable: false } : {}),
    run(input: I, ctx: Context): Promise<O> {
      // Not an async function: returning fn's own promise (Promise.resolve is the identity on native
      // promises) saves the extra ticks an async wrapper spends adopting it — the runner's hot path.
      try {
        return Promise.resolve(fn(input, ctx));
      } catch (err) {
        return Promise.reject(err);
      }
    },
  };
}

/**
 * Gives a group of steps a name in the path: `named('incident', sequence(a, b))` runs a and b at
 * `incident/a` and `incident/b`. Combinators are otherwise transparent.
 */
export function named<I, O>(name: string, inner: Step<I, O>): Step<I, O> {
  if (typeof name !== 'string' || name.length === 0 || name.includes('/')) {
    throw new TypeError(`named(name, step): name must be a non-empty string without '/', got '${String(name)}'`);
  }
  return {
    name,
    kind: 'named',
    children: [inner],
    run: (input, ctx) => ctx.run(inner, input),
  };
}

/** True for anything shaped like a Step (a name and a run function); combinators check their arguments with it. */
export function isStep(value: unknown): value is Step<never, unknown> {
  return typeof value === 'object' && value !== null && typeof (value as Step<never, unknown>).run === 'function'
    && typeof (value as Step<never, unknown>).name === 'string';
}
