import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cache, InvalidOptionsError, run, step } from '../../src/index.js';
import { deferred, silent } from './helpers.js';

function counted() {
  const calls: string[] = [];
  const s = step('query', (q: string) => {
    calls.push(q);
    return `result(${q}) #${calls.length}`;
  });
  return { s, calls };
}

describe('cache', () => {
  beforeEach(() => vi.useFakeTimers({ now: 0 }));
  afterEach(() => vi.useRealTimers());

  it('serves a fresh entry without running the step, until the TTL passes', async () => {
    const { s, calls } = counted();
    const c = cache(s, { key: (q) => q, ttlMs: 1_000 });
    await expect(run(c, 'rate', silent)).resolves.toBe('result(rate) #1');
    vi.advanceTimersByTime(999);
    await expect(run(c, 'rate', silent)).resolves.toBe('result(rate) #1');
    vi.advanceTimersByTime(1);
    await expect(run(c, 'rate', silent)).resolves.toBe('result(rate) #2');
    expect(calls).toEqual(['rate', 'rate']);
  });

  it('evicts the least recently used entry beyond maxEntries', async () => {
    const { s, calls } = counted();
    const c = cache(s, { key: (q) => q, ttlMs: 60_000, maxEntries: 2 });
    await run(c, 'a', silent);
    await run(c, 'b', silent);
    await run(c, 'a', silent); // a is now the most recently used
    await run(c, 'c', silent); // evicts b
    expect(c.size).toBe(2);
    await run(c, 'a', silent);
    await run(c, 'b', silent);
    expect(calls).toEqual(['a', 'b', 'c', 'b']);
  });

  it('does not cache errors', async () => {
    let n = 0;
    const c = cache(step('flaky', () => {
      if (++n === 1) throw new Error('transient');
      return n;
    }), { key: () => 'k', ttlMs: 1_000 });
    await expect(run(c, undefined, silent)).rejects.toThrow('transient');
    await expect(run(c, undefined, silent)).resolves.toBe(2);
    await expect(run(c, undefined, silent)).resolves.toBe(2);
  });

  it('single-flight: concurrent calls with one key run the step once and share the result', async () => {
    const gate = deferred<string>();
    const calls = vi.fn(() => gate.promise);
    const c = cache(step('slow', calls), { key: () => 'k', ttlMs: 1_000 });
    const all = [run(c, undefined, silent), run(c, undefined, silent), run(c, undefined, silent)];
    await vi.advanceTimersByTimeAsync(0);
    gate.resolve('shared');
    await expect(Promise.all(all)).resolves.toEqual(['shared', 'shared', 'shared']);
    expect(calls).toHaveBeenCalledTimes(1);
  });

  it('single-flight: a rejection reaches every waiter and is not cached', async () => {
    const gate = deferred<string>();
    const c = cache(step('slow', () => gate.promise), { key: () => 'k', ttlMs: 1_000 });
    const all = [run(c, undefined, silent), run(c, undefined, silent)].map((p) => p.catch((e: Error) => e.message));
    await vi.advanceTimersByTimeAsync(0);
    gate.reject(new Error('upstream 503'));
    await expect(Promise.all(all)).resolves.toEqual(['upstream 503', 'upstream 503']);
    expect(c.size).toBe(0);
  });

  it('the leader being aborted does not fail the followers; the work continues for them', async () => {
    let signalOfWork: AbortSignal | undefined;
    const gate = deferred<string>();
    const calls = vi.fn((_: void, ctx: { signal: AbortSignal }) => {
      signalOfWork = ctx.signal;
      return gate.promise;
    });
    const c = cache(step('slow', calls), { key: () => 'k', ttlMs: 1_000 });
    const leader = new AbortController();
    const pLeader = run(c, undefined, { ...silent, signal: leader.signal });
    const pFollower = run(c, undefined, silent);
    await vi.advanceTimersByTimeAsync(0);
    leader.abort(new Error('leader cancelled'));
    await expect(pLeader).rejects.toThrow('leader cancelled');
    expect(signalOfWork?.aborted).toBe(false);
    gate.resolve('still useful');
    await expect(pFollower).resolves.toBe('still useful');
    expect(calls).toHaveBeenCalledTimes(1);
    await expect(run(c, undefined, silent)).resolves.toBe('still useful'); // and it was cached
  });

  it('when every waiter aborts, the work is aborted and the next call starts afresh', async () => {
    let signalOfWork: AbortSignal | undefined;
    let n = 0;
    const c = cache(step('slow', (_: void, ctx) => {
      n++;
      signalOfWork = ctx.signal;
      return n === 1 ? new Promise<string>(() => undefined) : Promise.resolve('fresh');
    }), { key: () => 'k', ttlMs: 1_000 });
    const a = new AbortController();
    const b = new AbortController();
    const pa = run(c, undefined, { ...silent, signal: a.signal });
    const pb = run(c, undefined, { ...silent, signal: b.signal });
    await vi.advanceTimersByTimeAsync(0);
    a.abort(new Error('a'));
    expect(signalOfWork?.aborted).toBe(false);
    b.abort(new Error('b'));
    expect(signalOfWork?.aborted).toBe(true);
    await expect(pa).rejects.toThrow('a');
    await expect(pb).rejects.toThrow('b');
    await expect(run(c, undefined, silent)).resolves.toBe('fresh');
  });

  it('delete() and clear() invalidate entries and results still in flight', async () => {
    const { s, calls } = counted();
    const c = cache(s, { key: (q) => q, ttlMs: 60_000 });
    await run(c, 'a', silent);
    expect(c.delete('a')).toBe(true);
    await run(c, 'a', silent);
    const gate = deferred<string>();
    const slow = cache(step('slow', () => gate.promise), { key: () => 'k', ttlMs: 60_000 });
    const p = run(slow, undefined, silent);
    await vi.advanceTimersByTimeAsync(0);
    slow.clear();
    gate.resolve('stale');
    await expect(p).resolves.toBe('stale');
    expect(slow.size).toBe(0);
    expect(calls).toEqual(['a', 'a']);
  });

  it('validates options and the key function result', async () => {
    const { s } = counted();
    expect(() => cache(s, { key: (q) => q, ttlMs: 0 })).toThrow(/ttlMs/);
    expect(() => cache(s, { key: (q) => q, ttlMs: 1, maxEntries: 0 })).toThrow(/maxEntries/);
    // @ts-expect-error key must be a function
    expect(() => cache(s, { key: 'q', ttlMs: 1 })).toThrow(InvalidOptionsError);
    const bad = cache(s, { key: () => 42 as unknown as string, ttlMs: 1 });
    await expect(run(bad, 'x', silent)).rejects.toThrow(/key\(\) must return a string/);
  });
});
