import { describe, expect, it } from 'vitest';
import {
  MemoryClosedError, MemoryKeyError, MemoryValueError, MemoryValueTooLargeError, openMemory, type Json,
} from '../../../src/memory/index.js';
import { InvalidOptionsError } from '../../../src/primitives/index.js';
import type { Harness } from '../conformance.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function kvSuite(h: Harness): void {
  describe('put / get / delete', () => {
    it('round-trips JSON exactly', async () => {
      const ns = h.ns();
      const value: Json = {
        alert: 'APIErrorRateHigh', errorRate: 0.15, p95Ms: 2500, pool: { size: 10, inUse: 10 }, firing: true,
        ack: null, tags: ['db', 'pool', ''], unicode: 'pool épuisé — 連接池 🔥', nested: [[1, [2, [3]]], {}],
        big: 1e21, negative: -0.5, escapes: 'quote " backslash \\ newline \n nul \u0000',
      };
      await h.store.put(ns, 'alert_details', value);
      expect(await h.store.get(ns, 'alert_details')).toEqual(value);
      for (const scalar of ['text', 42, false, null, [], ''] as Json[]) {
        await h.store.put(ns, 'scalar', scalar);
        expect(await h.store.get(ns, 'scalar')).toEqual(scalar);
      }
    });

    it('keeps namespaces apart and returns undefined for a missing key', async () => {
      const [a, b] = [h.ns(), h.ns()];
      await h.store.put(a, 'k', 'in a');
      await h.store.put(b, 'k', 'in b');
      expect(await h.store.get(a, 'k')).toBe('in a');
      expect(await h.store.get(b, 'k')).toBe('in b');
      expect(await h.store.get(a, 'missing')).toBeUndefined();
    });

    it('overwrites, and delete reports whether a live entry was removed', async () => {
      const ns = h.ns();
      await h.store.put(ns, 'k', 1);
      await h.store.put(ns, 'k', 2);
      expect(await h.store.get(ns, 'k')).toBe(2);
      expect(await h.store.delete(ns, 'k')).toBe(true);
      expect(await h.store.delete(ns, 'k')).toBe(false);
      expect(await h.store.get(ns, 'k')).toBeUndefined();
    });

    it('returns a copy: mutating a result does not change what is stored', async () => {
      const ns = h.ns();
      await h.store.put(ns, 'k', { list: [1] });
      const got = (await h.store.get(ns, 'k')) as { list: number[] };
      got.list.push(2);
      expect(await h.store.get(ns, 'k')).toEqual({ list: [1] });
    });

    it('drops undefined object properties, as JSON.stringify does', async () => {
      const ns = h.ns();
      await h.store.put(ns, 'k', { a: 1, b: undefined } as unknown as Json);
      expect(await h.store.get(ns, 'k')).toEqual({ a: 1 });
    });
  });

  describe('list', () => {
    it('lists in byte order with an exact prefix, a limit and updatedAt', async () => {
      const ns = h.ns();
      const before = Date.now();
      for (const key of ['b', 'a/2', 'é', 'a/1', 'ab', 'a_x', 'a%y', 'z']) await h.store.put(ns, key, key);
      const all = await h.store.list(ns);
      expect(all.map((e) => e.key)).toEqual(['a%y', 'a/1', 'a/2', 'a_x', 'ab', 'b', 'z', 'é']);
      expect(all.every((e) => e.value === e.key && e.updatedAt instanceof Date)).toBe(true);
      expect(all[0]!.updatedAt.getTime()).toBeGreaterThanOrEqual(before - 1000);
      expect((await h.store.list(ns, { prefix: 'a/' })).map((e) => e.key)).toEqual(['a/1', 'a/2']);
      // LIKE wildcards in a prefix are literal characters.
      expect((await h.store.list(ns, { prefix: 'a_' })).map((e) => e.key)).toEqual(['a_x']);
      expect((await h.store.list(ns, { prefix: 'a%' })).map((e) => e.key)).toEqual(['a%y']);
      expect((await h.store.list(ns, { prefix: 'a', limit: 2 })).map((e) => e.key)).toEqual(['a%y', 'a/1']);
      expect(await h.store.list(ns, { prefix: 'nothing' })).toEqual([]);
      expect(await h.store.list(h.ns())).toEqual([]);
    });
  });

  describe('ttlMs', () => {
    it('hides expired entries from get, list and search, and delete no longer counts them', async () => {
      const ns = h.ns();
      await h.store.put(ns, 'short', { note: 'ephemeral canary' }, { ttlMs: 80 });
      await h.store.put(ns, 'long', { note: 'ephemeral but kept' }, { ttlMs: 60_000 });
      await h.store.put(ns, 'gone', 'x', { ttlMs: 80 });
      expect(await h.store.get(ns, 'short')).toEqual({ note: 'ephemeral canary' });
      await sleep(200);
      expect(await h.store.get(ns, 'short')).toBeUndefined();
      expect((await h.store.list(ns)).map((e) => e.key)).toEqual(['long']);
      expect((await h.store.search(ns, 'ephemeral')).map((e) => e.key)).toEqual(['long']);
      expect(await h.store.delete(ns, 'gone')).toBe(false);
      await h.store.put(ns, 'short', 'again');
      expect(await h.store.get(ns, 'short')).toBe('again');
    });
  });

  describe('refusals', () => {
    const circular: Record<string, unknown> = { a: 1 };
    circular.self = circular;
    const cases: [string, unknown, RegExp][] = [
      ['undefined', undefined, /^value is undefined/],
      ['a function', { run: () => 1 }, /value\.run is a function/],
      ['a BigInt', { n: [1, 10n] }, /value\.n\[1\] is a BigInt/],
      ['NaN', { rate: Number.NaN }, /value\.rate is NaN/],
      ['Infinity', [Infinity], /value\[0\] is Infinity/],
      ['a cycle', circular, /value\.self is a circular reference/],
      ['a Date', { 'started at': new Date(0) }, /value\["started at"\] is a Date.*toISOString/],
      ['a Map', new Map(), /value is a Map/],
      ['a symbol', { s: Symbol('x') }, /value\.s is a symbol/],
      ['undefined in an array', [1, undefined], /value\[1\] is undefined/],
    ];
    for (const [label, bad, message] of cases) {
      it(`refuses ${label}, naming where it is, and writes nothing`, async () => {
        const ns = h.ns();
        await h.store.put(ns, 'k', 'before');
        const err = await h.store.put(ns, 'k', bad as Json).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(MemoryValueError);
        expect((err as Error).message).toMatch(message);
        expect(await h.store.get(ns, 'k')).toBe('before');
      });
    }

    it('refuses values over the size limit (default 1 MiB, configurable)', async () => {
      const ns = h.ns();
      const big = 'x'.repeat(1024 * 1024);
      await expect(h.store.put(ns, 'big', big)).rejects.toBeInstanceOf(MemoryValueTooLargeError);
      const small = await h.open({ maxValueBytes: 4096 });
      await expect(small.put(ns, 'k', 'é'.repeat(2100))).rejects.toThrow(/4202 bytes of JSON, over the limit of 4096/);
      await small.put(ns, 'k', 'é'.repeat(2000));
      expect(await h.store.get(ns, 'big')).toBeUndefined();
    });

    it('names the bad namespace, key or option', async () => {
      await expect(h.store.put('', 'k', 1)).rejects.toThrow(MemoryKeyError);
      await expect(h.store.get('ns', 'a\0b')).rejects.toThrow(/key must not contain NUL/);
      await expect(h.store.put('ns', 'k'.repeat(600), 1)).rejects.toThrow(/key is 600 characters/);
      await expect(h.store.put('ns', 'k', 1, { ttlMs: -5 })).rejects.toThrow(InvalidOptionsError);
      await expect(h.store.put('ns', 'k', 1, { ttlMs: -5 })).rejects.toThrow(/ttlMs/);
      await expect(h.store.list('ns', { limit: 0 })).rejects.toThrow(/memory\.list: limit/);
      await expect(h.store.list('ns', { bogus: 1 } as never)).rejects.toThrow(/bogus/);
    });

    it('fails with MemoryClosedError after close', async () => {
      const store = await openMemory(h.target.url);
      await store.close();
      await store.close();
      await expect(store.get('ns', 'k')).rejects.toBeInstanceOf(MemoryClosedError);
      await expect(store.journal().lookup('r', 'p')).rejects.toBeInstanceOf(MemoryClosedError);
    });
  });
}
