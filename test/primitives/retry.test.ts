import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import {
  backoff, BrokenCircuitError, BulkheadRejectedError, defaultRetryOn, InvalidOptionsError, retry, run, step, timeout,
  TimeoutError, withRetry, type StepEvent,
} from '../../src/index.js';
import { HttpError, recording, silent, untilAborted } from './helpers.js';

/** A step that fails `failures` times with `error(n)`, then returns `ok`. */
function flaky(failures: number, error: (n: number) => unknown = (n) => new Error(`boom ${n}`)) {
  const calls: number[] = [];
  const s = step('flaky', (_: void, ctx) => {
    calls.push(ctx.attempt);
    if (calls.length <= failures) throw error(calls.length);
    return 'ok';
  });
  return { s, calls };
}

describe('retry', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('counts the first call in attempts and waits the backoff between attempts', async () => {
    const { s, calls } = flaky(2);
    const p = run(retry(s, { attempts: 3, backoff: backoff.constant(100) }), undefined, silent);
    await vi.advanceTimersByTimeAsync(99);
    expect(calls).toEqual([1]);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls).toEqual([1, 2]);
    await vi.advanceTimersByTimeAsync(100);
    await expect(p).resolves.toBe('ok');
    expect(calls).toEqual([1, 2, 3]);
  });

  it('gives up after `attempts` calls with the last error', async () => {
    const { s, calls } = flaky(10);
    const p = run(retry(s, { attempts: 3, backoff: backoff.constant(10) }), undefined, silent);
    const assertion = expect(p).rejects.toThrow('boom 3');
    await vi.advanceTimersByTimeAsync(100);
    await assertion;
    expect(calls).toHaveLength(3);
  });

  it('follows an exponential schedule exactly (no jitter)', async () => {
    const { s } = flaky(4);
    const { opts, events } = recording();
    const delays: number[] = [];
    const p = run(retry(s, {
      attempts: 5, backoff: backoff.exponential({ initialMs: 100, maxMs: 300, jitter: 'none' }), onRetry: (i) => delays.push(i.delayMs),
    }), undefined, opts);
    await vi.advanceTimersByTimeAsync(100 + 200 + 300 + 300);
    await expect(p).resolves.toBe('ok');
    expect(delays).toEqual([100, 200, 300, 300]);
    const retries = events.filter((e): e is Extract<StepEvent, { type: 'retry' }> => e.type === 'retry');
    expect(retries.map((e) => [e.attempt, e.delayMs])).toEqual([[1, 100], [2, 200], [3, 300], [4, 300]]);
    expect(retries.every((e) => e.path === 'flaky' && e.step === 'flaky')).toBe(true);
  });

  it('runs each attempt through the runner: start/end events carry the attempt', async () => {
    const { s } = flaky(1);
    const { opts, events } = recording();
    const p = run(retry(s, { attempts: 2, backoff: backoff.constant(5) }), undefined, opts);
    await vi.advanceTimersByTimeAsync(5);
    await p;
    expect(events.map((e) => `${e.type}:${'attempt' in e ? e.attempt : ''}`)).toEqual(['start:1', 'error:1', 'retry:1', 'start:2', 'end:2']);
  });

  it('retry(timeout(s)): the attempt reaches the step inside the transparent wrapper, and inner timeouts are retried', async () => {
    const seen: number[] = [];
    const slowThenFast = step('query', async (_: void, ctx) => {
      seen.push(ctx.attempt);
      if (ctx.attempt === 1) return untilAborted(ctx.signal);
      return 'fast';
    });
    const p = run(retry(timeout(slowThenFast, 50), { attempts: 2, backoff: backoff.constant(10) }), undefined, silent);
    await vi.advanceTimersByTimeAsync(60);
    await expect(p).resolves.toBe('fast');
    expect(seen).toEqual([1, 2]);
  });

  it('an outer timeout is not retried: it aborts the retry loop itself', async () => {
    const { s, calls } = flaky(100);
    const p = run(timeout(retry(s, { attempts: 100, backoff: backoff.constant(30) }), 100), undefined, silent);
    const assertion = expect(p).rejects.toBeInstanceOf(TimeoutError);
    await vi.advanceTimersByTimeAsync(100);
    await assertion;
    expect(calls.length).toBe(4); // t=0, 30, 60, 90 — and nothing after the deadline
    await vi.advanceTimersByTimeAsync(1_000);
    expect(calls.length).toBe(4);
  });

  it('an error with retryAfterMs waits at least that long', async () => {
    const { s, calls } = flaky(1, () => new HttpError(429, 2_000));
    const p = run(retry(s, { attempts: 2, backoff: backoff.constant(10) }), undefined, silent);
    await vi.advanceTimersByTimeAsync(1_999);
    expect(calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    await expect(p).resolves.toBe('ok');
  });

  it('the default retryOn does not retry cancellation, open circuits, full bulkheads or invalid input', async () => {
    const zodError = z.object({ a: z.string() }).safeParse({}).error;
    const cases: unknown[] = [
      new DOMException('x', 'AbortError'), new BrokenCircuitError('b'), new BulkheadRejectedError('s', 1, 0), zodError,
      new InvalidOptionsError('x', []), { name: 'ZodError' },
    ];
    for (const err of cases) {
      const { s, calls } = flaky(1, () => err);
      await expect(run(retry(s, { attempts: 3, backoff: backoff.constant(0) }), undefined, silent)).rejects.toBe(err);
      expect(calls).toHaveLength(1);
    }
    expect(defaultRetryOn(new TimeoutError('s', 1), 1)).toBe(true);
    expect(defaultRetryOn(new Error('econnreset'), 1)).toBe(true);
  });

  it('a custom retryOn sees the error and the attempt', async () => {
    const seen: [string, number][] = [];
    const { s, calls } = flaky(5, (n) => new HttpError(n < 2 ? 503 : 400));
    const p = run(retry(s, {
      attempts: 5, backoff: backoff.constant(1),
      retryOn: (err, attempt) => {
        seen.push([(err as HttpError).message, attempt]);
        return (err as HttpError).status >= 500;
      },
    }), undefined, silent);
    const assertion = expect(p).rejects.toThrow('HTTP 400');
    await vi.advanceTimersByTimeAsync(10);
    await assertion;
    expect(calls).toHaveLength(2);
    expect(seen).toEqual([['HTTP 503', 1], ['HTTP 400', 2]]);
  });

  it('aborting while sleeping in backoff rejects at once with the reason and clears the timer', async () => {
    const { s, calls } = flaky(100);
    const ac = new AbortController();
    const p = run(retry(s, { attempts: 5, backoff: backoff.constant(60_000) }), undefined, { ...silent, signal: ac.signal });
    await vi.advanceTimersByTimeAsync(0);
    expect(calls).toHaveLength(1);
    expect(vi.getTimerCount()).toBe(1);
    ac.abort(new Error('operator cancelled'));
    await expect(p).rejects.toThrow('operator cancelled');
    expect(vi.getTimerCount()).toBe(0);
    expect(calls).toHaveLength(1);
  });

  it('validates options', () => {
    const s = step('s', () => 1);
    expect(() => retry(s, { attempts: 0 })).toThrow(/attempts/);
    expect(() => retry(s, { attempts: 1.5 })).toThrow(InvalidOptionsError);
    // @ts-expect-error backoff must be a Backoff
    expect(() => retry(s, { attempts: 2, backoff: 100 })).toThrow(/backoff/);
    expect(() => retry(s, { attempts: Infinity })).not.toThrow();
  });
});

describe('withRetry (plain async functions)', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('retries a function, reporting each failure before the sleep', async () => {
    const infos: [number, number][] = [];
    let n = 0;
    const p = withRetry(async (attempt) => {
      n = attempt;
      if (attempt < 3) throw new HttpError(529);
      return attempt;
    }, { attempts: 4, backoff: backoff.constant(250), onRetry: (i) => infos.push([i.attempt, i.delayMs]) });
    await vi.advanceTimersByTimeAsync(500);
    await expect(p).resolves.toBe(3);
    expect(n).toBe(3);
    expect(infos).toEqual([[1, 250], [2, 250]]);
  });

  it('honours retryAfterMs (a 429 retry-after header)', async () => {
    let calls = 0;
    const p = withRetry(async () => {
      if (++calls === 1) throw new HttpError(429, 1_500);
      return 'ok';
    }, { attempts: 2, backoff: backoff.constant(1) });
    await vi.advanceTimersByTimeAsync(1_499);
    expect(calls).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    await expect(p).resolves.toBe('ok');
  });

  it('rejects promptly on abort even when the function ignores its signal', async () => {
    const ac = new AbortController();
    const p = withRetry(() => new Promise<never>(() => undefined), { attempts: 3 }, ac.signal);
    ac.abort(new Error('stop'));
    await expect(p).rejects.toThrow('stop');
  });

  it('turns a synchronous throw into a retried failure', async () => {
    let calls = 0;
    const p = withRetry((): Promise<string> => {
      if (++calls < 2) throw new Error('sync');
      return Promise.resolve('done');
    }, { attempts: 2, backoff: backoff.constant(0) });
    await expect(p).resolves.toBe('done');
  });
});
