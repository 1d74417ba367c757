import { describe, expect, it } from 'vitest';
import { describeStructure, JournalMismatchError, openMemory } from '../../src/memory/index.js';
import { named, sequence, step, type Step } from '../../src/primitives/index.js';

/** A transparent wrapper, like retry(): it adds no path segment. */
const wrap = <I, O>(inner: Step<I, O>): Step<I, O> => ({
  name: `wrap(${inner.name})`, kind: 'retry', transparent: true, children: [inner], run: (i, ctx) => ctx.run(inner, i),
});

const build = (third: Step<number, number>) =>
  named('incident', sequence(step('detect', (n: number) => n), named('diagnose', step('query', (n: number) => n)), third));

describe('workflow structure', () => {
  it('flattens a step tree with the paths the runner will use', () => {
    expect(describeStructure(build(wrap(step('fix', (n: number) => n))))).toEqual([
      [0, 'named', 'incident', 'incident'],
      [1, 'sequence', '', 'incident'],
      [2, 'step', 'detect', 'incident/detect'],
      [2, 'named', 'diagnose', 'incident/diagnose'],
      [3, 'step', 'query', 'incident/diagnose/query'],
      [2, 'retry', '', 'incident'],
      [3, 'step', 'fix', 'incident/fix'],
    ]);
  });

  it('is equal for two separately built copies of the same workflow (a restarted process)', () => {
    expect(describeStructure(build(step('fix', (n: number) => n)))).toEqual(describeStructure(build(step('fix', (n: number) => n * 2))));
  });

  it('names a wrapper added around a step as the first difference', async () => {
    const store = await openMemory('memory:');
    const journal = store.journal();
    await journal.begin('r1', build(step('fix', (n: number) => n)));
    const err = await journal.begin('r1', build(wrap(step('fix', (n: number) => n)))).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(JournalMismatchError);
    expect(err).toMatchObject({ path: 'incident/fix', recorded: "step 'fix' (step) at 'incident/fix' (depth 2)", current: "a retry at 'incident' (depth 2)" });
    await store.close();
  });

  it('refuses a cyclic step graph instead of looping', () => {
    const loop: { name: string; children: unknown[]; run: () => Promise<void> } = { name: 'loop', children: [], run: async () => {} };
    loop.children.push(loop);
    expect(() => describeStructure(loop as unknown as Step<unknown, unknown>)).toThrow(/cyclic at 'loop'/);
  });
});
