import type { AnyStep, Context, InputOf, OutputOf, Step } from './types.js';

type IsUnknown<T> = unknown extends T ? true : false;

/**
 * The value flowing out of a chain that starts with `Prev`, or `Mismatch` when a step cannot take what its
 * predecessor gives. A step typed Step<unknown, unknown> (a generic pass-through such as `remember('key')`
 * written without a type argument) passes the type it receives on.
 */
type Flow<Prev, S extends readonly AnyStep[]> = S extends readonly [infer H extends AnyStep, ...infer R extends AnyStep[]]
  ? [Prev] extends [InputOf<H>]
    ? Flow<IsUnknown<OutputOf<H>> extends true ? (IsUnknown<InputOf<H>> extends true ? Prev : unknown) : Awaited<OutputOf<H>>, R>
    : Mismatch
  : Prev;

declare const mismatch: unique symbol;
type Mismatch = { [mismatch]: 'sequence: a step does not accept the previous step output' };

// Method parameters are bivariant in TypeScript, so a mismatched Step would still be assignable; the check is
// made explicit instead, and a mismatch surfaces as this property in the compiler's error message.
type CheckChain<S extends readonly AnyStep[]> = Flow<InputOf<S[0]>, S> extends Mismatch ? { 'sequence: a step does not accept the previous step output': never } : unknown;

/**
 * Runs steps one after another, each receiving the previous one's output.
 *
 * When to use: a pipeline whose stages depend on each other (detect -> diagnose -> fix).
 * What it does: a fully typed chain — `sequence(a, b, c)` is `Step<In<a>, Out<c>>` and a mismatched
 * neighbour is a compile error. Transparent: the children appear in the path, not the sequence.
 * Gotchas: wrap it in `named()` to give the group its own path segment. A step typed Step<unknown, unknown>
 * (e.g. `remember('key')` without a type argument) is taken to pass its input's type through.
 *
 * @example
 * const pipeline = sequence(step('parse', (s: string) => Number(s)), step('double', (n: number) => n * 2));
 */
export function sequence<S extends readonly [AnyStep, ...AnyStep[]]>(...steps: S & CheckChain<S>): Step<InputOf<S[0]>, Flow<InputOf<S[0]>, S>>;
export function sequence(...steps: AnyStep[]): AnyStep {
  if (steps.length === 0) throw new TypeError('sequence() needs at least one step');
  steps.forEach((s, i) => {
    if (!s || typeof s.run !== 'function') throw new TypeError(`sequence(): argument ${i} is not a step`);
  });
  const count = steps.length;
  return {
    name: `sequence(${steps.map((s) => s.name).join(',')})`,
    kind: 'sequence',
    transparent: true,
    children: steps,
    async run(input: unknown, ctx: Context): Promise<unknown> {
      let value = input;
      for (let i = 0; i < count; i++) value = await ctx.run(steps[i]!, value);
      return value;
    },
  };
}
