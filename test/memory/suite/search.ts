import { describe, expect, it } from 'vitest';
import type { Harness } from '../conformance.js';

export function searchSuite(h: Harness): void {
  describe('search', () => {
    it('finds entries matching any query word, more matched words first', async () => {
      const ns = h.ns();
      await h.store.put(ns, 'log_analysis', { summary: 'database connection pool exhausted under 3x load' });
      await h.store.put(ns, 'capacity', { note: 'pool size is 10 connections' });
      await h.store.put(ns, 'deploy', { note: 'canary deploy finished' });
      const hits = await h.store.search(ns, 'pool exhausted');
      expect(hits.map((x) => x.key)).toEqual(['log_analysis', 'capacity']);
      expect(hits[0]!.value).toEqual({ summary: 'database connection pool exhausted under 3x load' });
      expect(hits[0]!.score).toBeGreaterThan(hits[1]!.score);
      expect(hits[1]!.score).toBeGreaterThan(0);
    });

    it('ranks a match in the key above the same word in a value', async () => {
      const ns = h.ns();
      await h.store.put(ns, 'notes', { text: 'we suspect the hypothesis about retries is wrong' });
      await h.store.put(ns, 'hypothesis', { text: 'connection pool too small for current traffic' });
      const hits = await h.store.search(ns, 'hypothesis');
      expect(hits.map((x) => x.key)).toEqual(['hypothesis', 'notes']);
    });

    it('searches value property names, split into words like everything else', async () => {
      const ns = h.ns();
      await h.store.put(ns, 'trace_analysis', { root_cause: 'database.connection_pool.acquire 2400ms vs 10ms', bottleneck: true });
      await h.store.put(ns, 'other', { summary: 'unrelated' });
      expect((await h.store.search(ns, 'root_cause')).map((x) => x.key)).toEqual(['trace_analysis']);
      expect((await h.store.search(ns, 'ACQUIRE!')).map((x) => x.key)).toEqual(['trace_analysis']);
      expect((await h.store.search(ns, '2400ms')).map((x) => x.key)).toEqual(['trace_analysis']);
    });

    it('honours limit, keeps namespaces apart, and returns nothing for a query without words', async () => {
      const ns = h.ns();
      for (let i = 0; i < 5; i++) await h.store.put(ns, `finding-${i}`, { text: `latency regression number ${i}` });
      await h.store.put(h.ns(), 'elsewhere', { text: 'latency' });
      const hits = await h.store.search(ns, 'latency', { limit: 3 });
      expect(hits).toHaveLength(3);
      expect(hits.every((x) => x.key.startsWith('finding-'))).toBe(true);
      expect(await h.store.search(ns, ' ?!- ')).toEqual([]);
      expect(await h.store.search(ns, 'absentword')).toEqual([]);
    });

    it('follows overwrites and deletes', async () => {
      const ns = h.ns();
      await h.store.put(ns, 'status', { phase: 'investigating' });
      await h.store.put(ns, 'status', { phase: 'mitigated' });
      expect(await h.store.search(ns, 'investigating')).toEqual([]);
      expect((await h.store.search(ns, 'mitigated')).map((x) => x.key)).toEqual(['status']);
      await h.store.delete(ns, 'status');
      expect(await h.store.search(ns, 'mitigated')).toEqual([]);
    });
  });
}
