import { afterEach, describe, expect, it } from 'vitest';
import { openMemory } from '../../src/memory/index.js';
import { killAll, spawnFixture } from './children.js';
import { durableTargets } from './targets.js';

const PER_WORKER = 150;
const BATCH = 10;

afterEach(killAll);

for (const target of await durableTargets()) {
  describe.skipIf(!target.available)(`two processes appending to one namespace: ${target.name}`, () => {
    it('lose nothing, duplicate nothing and never reuse a seq', async () => {
      const { url, cleanup } = target.isolated();
      try {
        // Create the schema first, so the workers race on appends rather than on migrations.
        const store = await openMemory(url);
        const workers = ['A', 'B'].map((tag) => spawnFixture('append-worker.mjs', [url, 'incident-7', String(PER_WORKER), tag]));
        await Promise.all(workers.map((w) => w.waitFor('ready')));
        for (const w of workers) w.process.stdin.write('go\n');
        await Promise.all(workers.map((w) => w.waitFor('done')));
        expect(await Promise.all(workers.map((w) => w.exited))).toEqual([0, 0]);

        const events = await store.events('incident-7', { limit: 10_000 });
        const total = 2 * (PER_WORKER + BATCH);
        expect(events).toHaveLength(total);
        expect(events.map((e) => e.seq)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
        const ids = events.map((e) => JSON.stringify(e.event));
        expect(new Set(ids).size).toBe(total);
        for (const tag of ['A', 'B']) {
          const mine = events.filter((e) => (e.event as { tag: string }).tag === tag);
          expect(mine.filter((e) => 'i' in (e.event as object))).toHaveLength(PER_WORKER);
          // appendMany is one atomic step: its events got consecutive seqs, in order.
          const batch = mine.filter((e) => 'batch' in (e.event as object));
          expect(batch.map((e) => (e.event as { batch: number }).batch)).toEqual([...Array(BATCH).keys()]);
          expect(batch.at(-1)!.seq - batch[0]!.seq).toBe(BATCH - 1);
        }
        // Both processes really interleaved (each waits halfway for the other): neither wrote all its events in one block.
        const firstB = events.findIndex((e) => (e.event as { tag: string }).tag === 'B');
        const lastA = events.findLastIndex((e) => (e.event as { tag: string }).tag === 'A');
        expect(firstB).toBeLessThan(lastA);
        await store.close();
      } finally {
        await cleanup();
      }
    });
  });
}
