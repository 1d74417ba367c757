import { afterAll, describe, expect, it } from 'vitest';
import { openJournal, openMemory, remember, scoped } from '../../src/memory/index.js';
import { run, sequence, step } from '../../src/primitives/index.js';

// The examples from the doc comments of src/memory, run as written.
describe('memory doc examples', () => {
  const closers: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const close of closers) await close();
  });

  it('openMemory', async () => {
    const store = await openMemory('memory:');
    await store.put('incident-42', 'root_cause', { summary: 'connection pool exhausted (10 of 10 in use)' });
    expect((await store.search('incident-42', 'pool exhausted'))[0]?.key).toBe('root_cause');
    await store.close();
  });

  it('scoped and remember', async () => {
    const store = await openMemory('memory:');
    closers.push(() => store.close());
    const memory = scoped(store, 'incident-42');
    await memory.put('alert', { name: 'APIErrorRateHigh', errorRate: 0.15 });
    const diagnose = step('diagnose', () => ({ rootCause: 'pool exhausted' }));
    const fix = step('fix', (d: { rootCause: string }) => `fix ${d.rootCause}`);
    const workflow = sequence(diagnose, remember('diagnosis'), fix);
    expect(await run(workflow, null, { memory: scoped(store, 'incident-42') })).toBe('fix pool exhausted');
    expect(await memory.get('diagnosis')).toEqual({ rootCause: 'pool exhausted' });
  });

  it('openJournal', async () => {
    const journal = await openJournal('memory:');
    closers.push(() => journal.close());
    let runs = 0;
    const workflow = step('detect', () => ++runs);
    await run(workflow, null, { runId: 'incident-42', journal });
    await run(workflow, null, { runId: 'incident-42', journal }); // re-run after a crash: resumes
    expect(runs).toBe(1);
  });
});
