import { describe, expect, it } from 'vitest';
import { backoffDelayMs } from '../../src/lab/target/dependency-client.js';
import { sampleDurationMs } from '../../src/lab/target/distribution.js';
import { PoolAcquireTimeoutError, PoolClosedError, PoolWaitQueueFullError, TaskQueueFullError } from '../../src/lab/target/errors.js';
import { ConnectionPool } from '../../src/lab/target/pool.js';
import { SagaStore } from '../../src/lab/target/sagas/store.js';
import { TaskStore } from '../../src/lab/target/tasks/store.js';
import { WorkerPool } from '../../src/lab/target/workers.js';

/** A seeded PRNG (mulberry32) so sampling tests are deterministic. */
function seeded(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('ConnectionPool', () => {
  it('hands connections to waiters in FIFO order', async () => {
    const pool = new ConnectionPool({ size: 1, acquireTimeoutMs: null, maxWaiters: null });
    const first = await pool.acquire();
    const order: number[] = [];
    const waiters = [1, 2, 3].map((n) => pool.acquire().then((lease) => (order.push(n), lease)));
    expect(pool.stats()).toMatchObject({ inUse: 1, waiters: 3 });
    first.release();
    (await waiters[0])?.release();
    (await waiters[1])?.release();
    (await waiters[2])?.release();
    expect(order).toEqual([1, 2, 3]);
    expect(pool.stats()).toMatchObject({ inUse: 0, waiters: 0, idle: 1 });
  });

  it('times out a waiter with the pool stats at the moment it gave up', async () => {
    const pool = new ConnectionPool({ size: 2, acquireTimeoutMs: 30, maxWaiters: null });
    await Promise.all([pool.acquire(), pool.acquire()]);
    const err = await pool.acquire().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PoolAcquireTimeoutError);
    const timeout = err as PoolAcquireTimeoutError;
    expect(timeout.waitedMs).toBeGreaterThanOrEqual(25);
    expect(timeout.pool).toMatchObject({ size: 2, inUse: 2, waiters: 0, acquireTimeoutMs: 30 });
    expect(pool.acquireTimeouts).toBe(1);
  });

  it('skips timed-out waiters when a connection frees up', async () => {
    const pool = new ConnectionPool({ size: 1, acquireTimeoutMs: 40, maxWaiters: null });
    const held = await pool.acquire();
    expect(await pool.acquire().catch((e: unknown) => e)).toBeInstanceOf(PoolAcquireTimeoutError);
    const next = pool.acquire();
    held.release();
    const lease = await next;
    expect(pool.stats()).toMatchObject({ inUse: 1, waiters: 0 });
    lease.release();
    expect(pool.stats()).toMatchObject({ inUse: 0, waiters: 0 });
  });

  it('rejects at once when maxWaiters are already waiting, and rejects waiters on close', async () => {
    const pool = new ConnectionPool({ size: 1, acquireTimeoutMs: null, maxWaiters: 1 });
    await pool.acquire();
    const waiting = pool.acquire().catch((e: unknown) => e);
    await expect(pool.acquire()).rejects.toBeInstanceOf(PoolWaitQueueFullError);
    pool.close();
    expect(await waiting).toBeInstanceOf(PoolClosedError);
    await expect(pool.acquire()).rejects.toBeInstanceOf(PoolClosedError);
  });
});

describe('backoffDelayMs', () => {
  const policy = { backoffMs: 500, maxBackoffMs: 1_500 };
  it('without jitter: exponential and capped, identical for every client', () => {
    expect([1, 2, 3, 4].map((r) => backoffDelayMs(r, { ...policy, jitter: 'none' }))).toEqual([500, 1_000, 1_500, 1_500]);
  });
  it('with full jitter: uniform in [0, ceiling]', () => {
    expect(backoffDelayMs(2, { ...policy, jitter: 'full' }, () => 0.25)).toBe(250);
    const random = seeded(7);
    const samples = Array.from({ length: 200 }, () => backoffDelayMs(1, { ...policy, jitter: 'full' }, random));
    expect(Math.min(...samples)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...samples)).toBeLessThanOrEqual(500);
    expect(new Set(samples.map((s) => Math.round(s))).size).toBeGreaterThan(150);
  });
});

describe('sampleDurationMs', () => {
  it('is log-normal around the median, with the configured share of long-tail samples', () => {
    const random = seeded(42);
    const spec = { medianMs: 190, sigma: 0.3, tail: { ratio: 0.05, minMs: 20_000, maxMs: 40_000 } };
    const samples = Array.from({ length: 20_000 }, () => sampleDurationMs(spec, random));
    const tail = samples.filter((s) => s >= 20_000);
    expect(tail.length / samples.length).toBeGreaterThan(0.04);
    expect(tail.length / samples.length).toBeLessThan(0.06);
    expect(Math.max(...tail)).toBeLessThanOrEqual(40_000);
    const body = samples.filter((s) => s < 20_000).sort((a, b) => a - b);
    expect(body[Math.floor(body.length / 2)]).toBeGreaterThan(180);
    expect(body[Math.floor(body.length / 2)]).toBeLessThan(200);
    expect(body[Math.floor(body.length * 0.95)]).toBeGreaterThan(280); // 190 * e^(1.645 * 0.3) ≈ 311
    expect(body[Math.floor(body.length * 0.95)]).toBeLessThan(340);
  });
});

describe('WorkerPool', () => {
  it('cuts an attempt at the timeout, re-queues it at the back, and fails it after maxAttempts', async () => {
    const events: string[] = [];
    const store = TaskStore.open(':memory:');
    const pool = new WorkerPool(
      store,
      { concurrency: 1, taskTimeoutMs: 20, maxAttempts: 2, maxQueueDepth: 1, taskDuration: { medianMs: 10_000, sigma: 0 } },
      {
        onTimeout: (t, _ms, willRetry) => events.push(`timeout#${t.attempt}${willRetry ? '+retry' : ''}`),
        onRetry: (t) => events.push(`retry->#${t.attempt}`),
        onFinished: (t, outcome) => events.push(`${outcome}#${t.attempt}`),
      },
    );
    pool.start();
    const slow = pool.enqueue('slow');
    expect(pool.stats()).toMatchObject({ busy: 1, queueDepth: 0 });
    pool.enqueue('queued');
    expect(() => pool.enqueue('overflow')).toThrow(TaskQueueFullError);
    await new Promise((r) => setTimeout(r, 150));
    pool.close();
    expect(events.slice(0, 3)).toEqual(['timeout#1+retry', 'retry->#2', 'timeout#1+retry']);
    expect(events).toContain('failed#2');
    expect(store.get(slow.id)).toMatchObject({ status: 'failed', attempt: 2 });
    store.close();
  });

  it('keeps queued and running tasks in the store across processes: a dead owner\'s attempts are re-queued in place', () => {
    const store = TaskStore.open(':memory:');
    try {
      const ids = ['a', 'b', 'c'].map((kind, i) => store.enqueue(kind, null, 1_000 + i).id);
      // Process 1 claims two tasks and "dies" (never finishes them).
      expect(store.claim(2, 'dead', 2_000).map((t) => t.kind)).toEqual(['a', 'b']);
      expect(store.countsByStatus()).toEqual({ queued: 1, running: 2, succeeded: 0, failed: 0 });
      expect(store.oldestRunningStartedAt()).toBe(2_000);
      // Process 2 starts: the orphans go back to the queue at their old place, before c.
      expect(store.recoverOrphans('alive')).toBe(2);
      expect(store.claim(3, 'alive', 3_000).map((t) => [t.kind, t.attempt, t.owner])).toEqual([['a', 1, 'alive'], ['b', 1, 'alive'], ['c', 1, 'alive']]);
      // A retry goes to the back; a finish by another owner is ignored.
      store.retry(ids[0]!, 'alive', 2);
      store.finish(ids[1]!, 'someone-else', 'succeeded');
      expect(store.get(ids[1]!)?.status).toBe('running');
      store.finish(ids[1]!, 'alive', 'succeeded');
      store.enqueue('d', null, 4_000);
      expect(store.claim(5, 'alive').map((t) => [t.kind, t.attempt])).toEqual([['a', 2], ['d', 1]]);
      expect(store.countsByStatus()).toEqual({ queued: 0, running: 3, succeeded: 1, failed: 0 });
      // A graceful stop hands the owner's running attempts back.
      expect(store.recoverOrphans('alive', { own: true })).toBe(3);
      expect(store.queuedCount()).toBe(3);
      expect(store.oldestQueuedAt()).toBe(1_000);
    } finally {
      store.close();
    }
  });
});

describe('SagaStore recovery runbook SQL', () => {
  it('re-queues stale RUNNING sagas while retry_count < maxRetries, then leaves them RUNNING', () => {
    const store = SagaStore.open(':memory:');
    try {
      const saga = store.create('provision-tenant', 0);
      let now = 0;
      for (let round = 1; round <= 3; round++) {
        expect(store.claim(10, now).map((s) => s.id)).toEqual([saga.id]);
        store.heartbeat(saga.id, 'charge-payment', now);
        now += 10_000;
        const recovered = store.markStaleForRetry(now - 5_000, 3, now);
        expect(recovered).toHaveLength(1);
        expect(recovered[0]?.saga).toMatchObject({ status: 'RETRY_PENDING', retry_count: round, current_step: 'charge-payment' });
        expect(recovered[0]?.stuckSince).toBe(now - 10_000);
      }
      store.claim(10, now);
      now += 10_000;
      expect(store.markStaleForRetry(now - 5_000, 3, now)).toEqual([]);
      expect(store.countStaleBeyondBudget(now - 5_000, 3)).toBe(1);
      expect(store.countsByStatus()).toMatchObject({ RUNNING: 1, RETRY_PENDING: 0, COMPLETED: 0 });
      store.finish(saga.id, 'COMPLETED', null, now);
      expect(store.get(saga.id)?.status).toBe('COMPLETED');
    } finally {
      store.close();
    }
  });
});
