import { getEventListeners } from 'node:events';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { childController } from '../../src/primitives/abort.js';
import {
  backoff, bulkhead, cache, CircuitBreaker, circuitBreaker, fallback, parallel, retry, router, run, sequence, step, timeout,
} from '../../src/index.js';
import { silent } from './helpers.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const listeners = (signal: AbortSignal): number => getEventListeners(signal, 'abort').length;

// Pre-built errors: capturing a stack trace costs microseconds, and this test is about leaks, not errors.
const TRANSIENT = new Error('transient');
const DOWN = new Error('down');

/** Every primitive at once, with failures on some paths so error, retry and sibling-abort paths all run. */
function workflow() {
  const breaker = new CircuitBreaker({ name: 'dep', failureThreshold: 1_000_000, halfOpenAfterMs: 1 });
  const flaky = step('flaky', (x: number, ctx) => {
    if (x % 3 === 0 && ctx.attempt === 1) throw TRANSIENT;
    return x + 1;
  });
  const boom = step('boom', (): number => {
    throw DOWN;
  });
  const ok = step('ok', (x: number) => x * 2);
  return sequence(
    timeout(retry(circuitBreaker(flaky, breaker), { attempts: 3, backoff: backoff.constant(0) }), 5_000),
    bulkhead(cache(ok, { key: (x) => String(x % 50), ttlMs: 60_000, maxEntries: 20 }), { concurrency: 4, queue: 100 }),
    fallback(boom, ok),
    router({ select: (x: number) => (x % 2 ? 'odd' : 'even'), routes: { odd: ok, even: timeout(ok, 1_000) } }),
    step('settled', async (x: number, ctx) => {
      const out = await ctx.run(parallel({ a: ok, b: boom }, { settle: true }), x);
      return out.a.ok ? out.a.value : 0;
    }),
  );
}

describe('no leaks over a long-lived signal', () => {
  it('100,000 runs leave no listener on the long-lived signal and bounded heap growth', async () => {
    const longLived = new AbortController().signal;
    const wf = workflow();
    const opts = { ...silent, signal: longLived };
    const batch = async (count: number): Promise<void> => {
      for (let i = 0; i < count; i += 100) {
        await Promise.all(Array.from({ length: 100 }, (_, j) => run(wf, i + j, opts)));
      }
    };
    await batch(10_000); // warm up: JIT, caches at their bound
    gc();
    const before = process.memoryUsage().heapUsed;
    await batch(100_000);
    gc();
    const growth = process.memoryUsage().heapUsed - before;
    expect(listeners(longLived)).toBe(0);
    expect(growth).toBeLessThan(8 * 1024 * 1024);
  }, 120_000);

  it('runs cancelled mid-flight (in backoff, in a bulkhead queue, in parallel branches) leave nothing behind', async () => {
    const timers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const timersBefore = timers(); // vitest's own test-timeout timer
    const parent = new AbortController().signal;
    const hang = step('hang', (_: void, ctx) => new Promise<never>((_r, reject) => {
      ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason), { once: true });
    }));
    const failing = step('failing', (): never => {
      throw new Error('x');
    });
    const gate = bulkhead(hang, { concurrency: 1, queue: 1_000 });
    const wf = parallel({
      backoff: retry(failing, { attempts: 5, backoff: backoff.constant(60_000) }),
      queued: gate,
      deadline: timeout(hang, 60_000),
      shared: cache(hang, { key: () => 'k', ttlMs: 1_000 }),
    }, { settle: true });
    for (let round = 0; round < 200; round++) {
      const { controller, dispose } = childController(parent);
      const p = run(wf, undefined, { ...silent, signal: controller.signal }).catch((e: unknown) => e);
      await new Promise((r) => setImmediate(r));
      controller.abort(new Error('cancel'));
      await expect(p).resolves.toMatchObject({ message: 'cancel' });
      dispose();
    }
    await new Promise((r) => setImmediate(r));
    expect(listeners(parent)).toBe(0);
    expect(gate.queued).toBe(0);
    expect(gate.running).toBe(0);
    expect(timers()).toBeLessThanOrEqual(timersBefore); // 200 rounds each started two 60 s timers
  });
});
