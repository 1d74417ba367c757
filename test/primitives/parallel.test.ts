import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { InvalidOptionsError, parallel, retry, run, sequence, step, backoff, type Step } from '../../src/index.js';
import { deferred, recording, silent, untilAborted } from './helpers.js';

describe('parallel', () => {
  it('gives every branch the same input and maps keys to outputs, typed', async () => {
    const logs = step('loki', (alert: { service: string }) => [`${alert.service}: pool exhausted`]);
    const metrics = step('prom', (alert: { service: string; window: string }) => ({ p95: 2.5, window: alert.window }));
    const gather = parallel({ logs, metrics });
    const typed: Step<{ service: string } & { service: string; window: string }, { logs: string[]; metrics: { p95: number; window: string } }> = gather;
    const out = await run(typed, { service: 'checkout', window: '5m' }, silent);
    expect(out).toEqual({ logs: ['checkout: pool exhausted'], metrics: { p95: 2.5, window: '5m' } });
    expect(Object.keys(out)).toEqual(['logs', 'metrics']);
  });

  it('runs branches at their key as path segment, even transparent ones', async () => {
    const where = (name: string) => step(name, (_: void, ctx) => ctx.path);
    const out = await run(parallel({ a: where('x'), b: sequence(where('y'), step('z', (_: string, ctx) => ctx.path)), c: retry(where('w'), { attempts: 2 }) }), undefined, silent);
    expect(out).toEqual({ a: 'a', b: 'b/z', c: 'c/w' });
  });

  it('settle: true reports each outcome and never rejects for a branch failure', async () => {
    const boom = new Error('loki down');
    const out = await run(parallel({ ok: step('ok', () => 1), bad: step('bad', (): number => {
      throw boom;
    }) }, { settle: true }), undefined, silent);
    expect(out).toEqual({ ok: { ok: true, value: 1 }, bad: { ok: false, error: boom } });
  });

  it('without settle, the first failure aborts the siblings and rejects with that failure', async () => {
    const reasons: unknown[] = [];
    const sibling = step('sibling', async (_: void, ctx) => {
      try {
        return await untilAborted(ctx.signal);
      } catch (err) {
        reasons.push(err);
        throw err;
      }
    });
    const failing = step('failing', async (): Promise<never> => {
      await Promise.resolve();
      throw new Error('first failure');
    });
    await expect(run(parallel({ s1: sibling, f: failing, s2: sibling }), undefined, silent)).rejects.toThrow('first failure');
    expect(reasons).toHaveLength(2);
    expect(reasons.every((r) => (r as Error).name === 'AbortError')).toBe(true);
  });

  it('validates branches and options', () => {
    expect(() => parallel({})).toThrow(InvalidOptionsError);
    expect(() => parallel({ 'a/b': step('x', () => 1) })).toThrow(/a\/b/);
    expect(() => parallel({ a: step('x', () => 1) }, { concurrency: 0 })).toThrow(/concurrency/);
  });
});

describe('parallel: concurrency and cancellation', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('concurrency bounds the branches running at once; later ones start in key order as slots free', async () => {
    let active = 0;
    let peak = 0;
    const order: string[] = [];
    const work = (name: string, ms: number) => step(name, async () => {
      order.push(name);
      peak = Math.max(peak, ++active);
      await new Promise((r) => setTimeout(r, ms));
      active--;
      return ms;
    });
    const p = run(parallel({ a: work('a', 30), b: work('b', 10), c: work('c', 10), d: work('d', 10) }, { concurrency: 2 }), undefined, silent);
    await vi.advanceTimersByTimeAsync(0);
    expect(order).toEqual(['a', 'b']);
    await vi.advanceTimersByTimeAsync(10);
    expect(order).toEqual(['a', 'b', 'c']);
    await vi.advanceTimersByTimeAsync(30);
    await expect(p).resolves.toEqual({ a: 30, b: 10, c: 10, d: 10 });
    expect(peak).toBe(2);
  });

  it('aborting the run aborts every branch, rejects at once (also with settle) and starts nothing more', async () => {
    for (const settle of [false, true]) {
      const ac = new AbortController();
      const started: string[] = [];
      const aborted: string[] = [];
      const branch = (name: string) => step(name, async (_: void, ctx) => {
        started.push(name);
        ctx.signal.addEventListener('abort', () => aborted.push(name));
        await new Promise((r) => setTimeout(r, 1_000));
        return name;
      });
      const gate = deferred<void>();
      const p = run(parallel({ a: branch('a'), b: branch('b'), c: branch('c') }, { concurrency: 2, settle }), undefined, { ...silent, signal: ac.signal });
      await vi.advanceTimersByTimeAsync(0);
      ac.abort(new Error('stand down'));
      gate.resolve();
      await expect(p).rejects.toThrow('stand down');
      await vi.advanceTimersByTimeAsync(2_000);
      expect(started).toEqual(['a', 'b']);
      expect(aborted.sort()).toEqual(['a', 'b']);
    }
  });

  it('with retry inside a branch, abort interrupts the backoff sleep', async () => {
    const ac = new AbortController();
    const flaky = step('flaky', (): number => {
      throw new Error('nope');
    });
    const p = run(parallel({ x: retry(flaky, { attempts: 5, backoff: backoff.constant(60_000) }) }), undefined, { ...silent, signal: ac.signal });
    await vi.advanceTimersByTimeAsync(0);
    ac.abort(new Error('cancelled'));
    await expect(p).rejects.toThrow('cancelled');
    expect(vi.getTimerCount()).toBe(0);
  });
});
