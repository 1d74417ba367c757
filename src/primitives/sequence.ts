import type { AnyStep, Context, Step } from './types.js';

type Chain<First, Steps extends readonly AnyStep[]> = Steps extends readonly [Step<First, infer O>, ...infer Rest extends AnyStep[]]
  ? Chain<O, Rest>
  : Steps extends readonly [] ? First : never;

/**
 * Runs steps one after another, each receiving the previous one's output.
 *
 * When to use: a pipeline whose stages depend on each other (detect -> diagnose -> fix).
 * What it does: a fully typed chain — `sequence(a, b, c)` is `Step<In<a>, Out<c>>` and a mismatched
 * neighbour is a compile error. Transparent: the children appear in the path, not the sequence.
 * Gotchas: wrap it in `named()` to give the group its own path segment.
 *
 * @example
 * const pipeline = sequence(step('parse', (s: string) => Number(s)), step('double', (n: number) => n * 2));
 */
export function sequence<I, S extends readonly [Step<I, unknown>, ...AnyStep[]]>(...steps: S): Step<I, Chain<I, S>>;
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
