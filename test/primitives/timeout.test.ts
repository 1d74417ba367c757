import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { InvalidOptionsError, run, step, timeout, TimeoutError } from '../../src/index.js';
import { silent, untilAborted } from './helpers.js';

describe('timeout', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('passes the output through and clears its timer on completion', async () => {
    const fast = step('fast', async () => {
      await new Promise((r) => setTimeout(r, 10));
      return 42;
    });
    const p = run(timeout(fast, 1_000), undefined, silent);
    await vi.advanceTimersByTimeAsync(10);
    await expect(p).resolves.toBe(42);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('aborts the step signal at the deadline and rejects with TimeoutError', async () => {
    let reason: unknown;
    const slow = step('slow', async (_: void, ctx) => {
      try {
        return await untilAborted(ctx.signal);
      } catch (err) {
        reason = err;
        throw err;
      }
    });
    const p = run(timeout(slow, 200), undefined, silent);
    const assertion = expect(p).rejects.toSatisfy((e) => e instanceof TimeoutError && e.step === 'slow' && e.timeoutMs === 200);
    await vi.advanceTimersByTimeAsync(199);
    expect(reason).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    await assertion;
    expect(reason).toBeInstanceOf(TimeoutError);
  });

  it('rejects at the deadline even if the step ignores its signal', async () => {
    const stubborn = step('stubborn', () => new Promise<number>((r) => setTimeout(() => r(1), 10_000)));
    const p = run(timeout(stubborn, 100), undefined, silent);
    const assertion = expect(p).rejects.toBeInstanceOf(TimeoutError);
    await vi.advanceTimersByTimeAsync(100);
    await assertion;
  });

  it('nested timeouts take the earliest deadline, whichever is outside', async () => {
    const forever = step('forever', (_: void, ctx) => untilAborted(ctx.signal));
    const outerFirst = run(timeout(timeout(forever, 500), 100), undefined, silent);
    const a1 = expect(outerFirst).rejects.toSatisfy((e) => e instanceof TimeoutError && e.timeoutMs === 100);
    await vi.advanceTimersByTimeAsync(100);
    await a1;
    const innerFirst = run(timeout(timeout(forever, 100), 500), undefined, silent);
    const a2 = expect(innerFirst).rejects.toSatisfy((e) => e instanceof TimeoutError && e.timeoutMs === 100);
    await vi.advanceTimersByTimeAsync(100);
    await a2;
    expect(vi.getTimerCount()).toBe(0);
  });

  it("the run's abort wins over the deadline and clears the timer", async () => {
    const ac = new AbortController();
    const forever = step('forever', (_: void, ctx) => untilAborted(ctx.signal));
    const p = run(timeout(forever, 10_000), undefined, { ...silent, signal: ac.signal });
    await vi.advanceTimersByTimeAsync(1);
    ac.abort(new Error('cancelled'));
    await expect(p).rejects.toThrow('cancelled');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('is transparent: the wrapped step keeps its path', async () => {
    const where = step('where', (_: void, ctx) => ctx.path);
    await expect(run(timeout(where, 100), undefined, silent)).resolves.toBe('where');
  });

  it('validates the duration', () => {
    const s = step('s', () => 1);
    expect(() => timeout(s, 0)).toThrow(InvalidOptionsError);
    expect(() => timeout(s, Number.NaN)).toThrow(InvalidOptionsError);
    expect(() => timeout(s, 2 ** 31)).toThrow(InvalidOptionsError);
  });
});
