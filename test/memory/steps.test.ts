import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  MemoryNotConfiguredError, MemoryValueError, openMemory, recall, remember, scoped, type MemoryStore,
} from '../../src/memory/index.js';
import { named, run, sequence, step } from '../../src/primitives/index.js';

const logger = pino({ level: 'silent' });
let store: MemoryStore;
beforeAll(async () => {
  store = await openMemory('memory:');
});
afterAll(() => store.close());

describe('scoped memory as ctx.memory', () => {
  it('gives every step the run namespace', async () => {
    const memory = scoped(store, 'incident-scoped');
    const probe = step('probe', async (_: unknown, ctx) => {
      await ctx.memory!.put('seen', { path: ctx.path });
      await ctx.memory!.append({ type: 'probe', path: ctx.path });
      return ctx.memory!.namespace;
    });
    expect(await run(named('incident', probe), null, { memory, logger })).toBe('incident-scoped');
    expect(await store.get('incident-scoped', 'seen')).toEqual({ path: 'incident/probe' });
    expect((await memory.events()).map((e) => e.event)).toEqual([{ type: 'probe', path: 'incident/probe' }]);
    expect((await memory.search('probe')).map((h) => h.key)).toEqual(['seen']);
    expect((await memory.list()).map((e) => e.key)).toEqual(['seen']);
    expect(await memory.delete('seen')).toBe(true);
  });

  it('refuses a non-JSON value put through ctx.memory', async () => {
    const memory = scoped(store, 'incident-bad');
    const bad = step('bad', (_: unknown, ctx) => ctx.memory!.put('k', { at: new Date() }));
    await expect(run(bad, null, { memory, logger })).rejects.toBeInstanceOf(MemoryValueError);
  });
});

describe('remember / recall', () => {
  it('hand a finding from one persona step to another', async () => {
    type Diagnosis = { rootCause: string; poolSize: number };
    const diagnose = step('diagnose', (): Diagnosis => ({ rootCause: 'pool exhausted', poolSize: 10 }));
    const fix = step('fix', (d: Diagnosis | undefined) => `raise pool from ${d?.poolSize} (${d?.rootCause})`);
    const workflow = named('incident', sequence(
      diagnose,
      remember('diagnosis'),
      step('forget_input', () => 'unrelated'),
      recall<Diagnosis>('diagnosis'),
      fix,
    ));
    const memory = scoped(store, 'incident-handoff');
    expect(await run(workflow, null, { memory, logger })).toBe('raise pool from 10 (pool exhausted)');
    expect(await memory.get('diagnosis')).toEqual({ rootCause: 'pool exhausted', poolSize: 10 });
  });

  it('stores a selected value under a computed key, passes its input through, and can expire', async () => {
    const memory = scoped(store, 'incident-select');
    const keep = remember(
      (alert: { service: string; rate: number }) => `alert/${alert.service}`,
      (alert) => ({ rate: alert.rate }),
      { ttlMs: 60_000 },
    );
    expect(keep.name).toBe('remember(dynamic)');
    expect(await run(keep, { service: 'checkout', rate: 0.15 }, { memory, logger })).toEqual({ service: 'checkout', rate: 0.15 });
    expect(await memory.get('alert/checkout')).toEqual({ rate: 0.15 });
    expect(remember('incident/alert').name).toBe('remember(incident:alert)');
  });

  it('recall returns orElse when nothing is stored', async () => {
    const memory = scoped(store, 'incident-empty');
    expect(await run(recall('missing', { orElse: { rootCause: 'unknown' } }), null, { memory, logger })).toEqual({ rootCause: 'unknown' });
    expect(await run(recall('missing'), null, { memory, logger })).toBeUndefined();
  });

  it('fails clearly without memory', async () => {
    const err = await run(remember('x'), 1, { logger }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MemoryNotConfiguredError);
    expect((err as Error).message).toMatch(/step 'remember\(x\)' needs memory: run\(workflow, input, \{ memory: scoped/);
  });

  it('are journaled like any step: a resumed run does not repeat them', async () => {
    const memory = scoped(store, 'incident-journal');
    const journal = store.journal();
    let diagnosed = 0;
    const workflow = named('incident', sequence(step('diagnose', () => ++diagnosed), remember('count'), recall('count')));
    expect(await run(workflow, null, { memory, journal, runId: 'mem-steps-1', logger })).toBe(1);
    expect(await run(workflow, null, { memory, journal, runId: 'mem-steps-1', logger })).toBe(1);
    expect(diagnosed).toBe(1);
  });
});
