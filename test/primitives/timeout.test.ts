import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { InvalidOptionsError, run, step, timeout, TimeoutError } from '../../src/index.js';
import { silent, untilAborted } from './helpers.js';

describe('timeout', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('passes the output through; its shared timer expires idle and is not re-armed', async () => {
    const fast = step('fast', async () => {
      await new Promise((r) => setTimeout(r, 10));
      return 42;
    });
    const p = run(timeout(fast, 1_000), undefined, silent);
    await vi.advanceTimersByTimeAsync(10);
    await expect(p).resolves.toBe(42);
    // The deadline queue keeps its one timer (unreferenced) until the deadline it was armed for, then stops.
    await vi.advanceTimersByTimeAsync(1_000);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('shares one timer between the calls of one timeout, each still getting its own deadline', async () => {
    const forever = step('forever', (_: void, ctx) => untilAborted(ctx.signal));
    const guarded = timeout(forever, 100);
    const first = run(guarded, undefined, silent);
    const firstDone = expect(first).rejects.toBeInstanceOf(TimeoutError);
    await vi.advanceTimersByTimeAsync(40);
    const second = run(guarded, undefined, silent);
    let secondSettled = false;
    second.catch(() => undefined).finally(() => (secondSettled = true));
    expect(vi.getTimerCount()).toBe(1);
    await vi.advanceTimersByTimeAsync(60);
    await firstDone;
    await vi.advanceTimersByTimeAsync(39);
    expect(secondSettled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await expect(second).rejects.toBeInstanceOf(TimeoutError);
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
    await vi.advanceTimersByTimeAsync(500);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("the run's abort wins over the deadline and clears the timer", async () => {
    const ac = new AbortController();
    const forever = step('forever', (_: void, ctx) => untilAborted(ctx.signal));
    const p = run(timeout(forever, 10_000), undefined, { ...silent, signal: ac.signal });
    await vi.advanceTimersByTimeAsync(1);
    ac.abort(new Error('cancelled'));
    await expect(p).rejects.toThrow('cancelled');
    await vi.advanceTimersByTimeAsync(10_000);
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

describe('timeout (real timers)', () => {
  it('a finished call does not keep the process alive, a pending one does until its deadline', async () => {
    const { execFile } = await import('node:child_process');
    const { fileURLToPath } = await import('node:url');
    const entry = fileURLToPath(new URL('../../dist/primitives/index.js', import.meta.url));
    const script = (body: string): Promise<{ ms: number; out: string }> =>
      new Promise((resolve, reject) => {
        const started = Date.now();
        const code = `import { run, step, timeout, TimeoutError } from ${JSON.stringify(entry)};\n${body}`;
        execFile(process.execPath, ['--input-type=module', '-e', code], { timeout: 20_000 }, (err, stdout) => (err ? reject(err) : resolve({ ms: Date.now() - started, out: stdout.trim() })));
      });
    // 60 s deadlines that never fire: the process must exit as soon as the calls are done.
    const done = await script(`const t = timeout(step('quick', () => 1), 60_000); let n = 0; for (let i = 0; i < 1000; i++) n += await run(t, undefined); console.log(n);`);
    expect(done.out).toBe('1000');
    expect(done.ms).toBeLessThan(15_000);
    // A call still waiting keeps the process alive until its deadline, then rejects with TimeoutError.
    const pending = await script(`try { await run(timeout(step('hang', (_, ctx) => new Promise((_r, rej) => ctx.signal.addEventListener('abort', () => rej(ctx.signal.reason)))), 300), undefined); } catch (e) { console.log(e instanceof TimeoutError ? 'timeout' : String(e)); }`);
    expect(pending.out).toBe('timeout');
  });
});
