import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DeadlineQueue } from '../../src/primitives/deadlines.js';

describe('DeadlineQueue', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('expires live deadlines in arming order, each `ms` after it was armed, and never a cancelled one', async () => {
    const queue = new DeadlineQueue(100);
    const fired: number[] = [];
    const entries = [];
    for (let i = 0; i < 10_000; i++) {
      entries.push(queue.add(() => fired.push(i)));
      if (i % 1000 === 999) await vi.advanceTimersByTimeAsync(5);
    }
    // Cancel all but every 997th, out of order (odd indices first), as calls finishing at different times would.
    for (const parity of [1, 0]) entries.forEach((e, i) => i % 2 === parity && i % 997 !== 0 && queue.cancel(e));
    // Batch k (indices 1000k..1000k+999) was armed at t = 5k; it is now t = 50.
    await vi.advanceTimersByTimeAsync(49);
    expect(fired).toEqual([]);
    await vi.advanceTimersByTimeAsync(1); // t = 100: batch 0 only
    expect(fired).toEqual([0, 997]);
    await vi.advanceTimersByTimeAsync(100);
    expect(fired).toEqual(entries.map((_, i) => i).filter((i) => i % 997 === 0));
    expect(vi.getTimerCount()).toBe(0);
  });

  it('an expiry may arm or cancel deadlines of the same queue', async () => {
    const queue = new DeadlineQueue(50);
    const log: string[] = [];
    const later = queue.add(() => log.push('later'));
    queue.add(() => {
      log.push('first');
      queue.cancel(later);
      queue.add(() => log.push('rearmed'));
    });
    queue.cancel(later); // cancelled before the expiry too: a second cancel is a no-op
    await vi.advanceTimersByTimeAsync(50);
    expect(log).toEqual(['first']);
    await vi.advanceTimersByTimeAsync(50);
    expect(log).toEqual(['first', 'rearmed']);
    expect(vi.getTimerCount()).toBe(0);
  });
});
