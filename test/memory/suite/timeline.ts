import { describe, expect, it } from 'vitest';
import { MemoryValueError, type Json } from '../../../src/memory/index.js';
import type { Harness } from '../conformance.js';

export function timelineSuite(h: Harness): void {
  describe('timeline', () => {
    it('appends with seq 1, 2, 3… per namespace and reads back in order', async () => {
      const [ns, other] = [h.ns(), h.ns()];
      const before = Date.now();
      expect(await h.store.append(ns, { type: 'alert', name: 'APIErrorRateHigh' })).toEqual({ seq: 1 });
      expect(await h.store.append(other, 'elsewhere')).toEqual({ seq: 1 });
      expect(await h.store.append(ns, { type: 'diagnosis', rootCause: 'pool exhausted' })).toEqual({ seq: 2 });
      expect(await h.store.append(ns, null)).toEqual({ seq: 3 });
      const events = await h.store.events(ns);
      expect(events.map((e) => [e.seq, e.event])).toEqual([
        [1, { type: 'alert', name: 'APIErrorRateHigh' }],
        [2, { type: 'diagnosis', rootCause: 'pool exhausted' }],
        [3, null],
      ]);
      expect(events.every((e) => e.at instanceof Date && e.at.getTime() >= before - 1000)).toBe(true);
      expect((await h.store.events(other)).map((e) => e.event)).toEqual(['elsewhere']);
      expect(await h.store.events(h.ns())).toEqual([]);
    });

    it('pages with afterSeq and limit', async () => {
      const ns = h.ns();
      for (let i = 0; i < 7; i++) await h.store.append(ns, i);
      expect((await h.store.events(ns, { afterSeq: 2, limit: 3 })).map((e) => e.seq)).toEqual([3, 4, 5]);
      expect((await h.store.events(ns, { afterSeq: 5 })).map((e) => e.event)).toEqual([5, 6]);
      expect(await h.store.events(ns, { afterSeq: 7 })).toEqual([]);
    });

    it('never hands out a seq twice under concurrent appends', async () => {
      const ns = h.ns();
      const results = await Promise.all(Array.from({ length: 40 }, (_, i) => h.store.append(ns, { i })));
      expect(results.map((r) => r.seq).sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
      const events = await h.store.events(ns);
      expect(events.map((e) => e.seq)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
      for (const e of events) expect(results[(e.event as { i: number }).i]!.seq).toBe(e.seq);
    });

    it('appendMany assigns consecutive seqs atomically, and one bad event writes nothing', async () => {
      const ns = h.ns();
      await h.store.append(ns, 'first');
      expect(await h.store.appendMany(ns, ['a', 'b', 'c'])).toEqual({ seqs: [2, 3, 4] });
      expect(await h.store.appendMany(ns, [])).toEqual({ seqs: [] });
      const err = await h.store.appendMany(ns, ['ok', { bad: () => 1 } as unknown as Json]).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(MemoryValueError);
      expect((err as Error).message).toMatch(/events\[1\]\.bad is a function/);
      expect((await h.store.events(ns)).map((e) => e.event)).toEqual(['first', 'a', 'b', 'c']);
      expect(await h.store.append(ns, 'next')).toEqual({ seq: 5 });
    });
  });
}
