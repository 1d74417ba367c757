import { describe, expect, expectTypeOf, it } from 'vitest';
import { run, sequence, step, type Step } from '../../src/index.js';

describe('sequence typing', () => {
  const parse = step('parse', (s: string) => Number(s));
  const double = step('double', (n: number) => n * 2);
  const show = step('show', async (n: number) => `=${n}`);

  it('infers the chain from the first input to the last output', async () => {
    const pipeline = sequence(parse, double, show);
    expectTypeOf(pipeline).toEqualTypeOf<Step<string, string>>();
    await expect(run(pipeline, '4')).resolves.toBe('=8');
  });

  it('rejects a step that does not accept the previous output at compile time', () => {
    // @ts-expect-error show returns a string, double needs a number
    const bad = sequence(parse, show, double);
    expect(bad.name).toBe('sequence(parse,show,double)');
  });
});
