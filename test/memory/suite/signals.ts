import { describe, expect, it } from 'vitest';
import {
  MemoryClosedError, MemoryKeyError, MemoryValueError, MemoryValueTooLargeError, REDACTED, type Json, type MemoryStore,
} from '../../../src/index.js';
import type { Harness } from '../conformance.js';

/** Collects what a subscription receives and lets a test wait for a count, with a generous deadline. */
function inbox() {
  const received: Json[] = [];
  const waiters: { n: number; resolve: () => void }[] = [];
  return {
    received,
    listener: (payload: Json): void => {
      received.push(payload);
      for (const w of waiters.splice(0)) {
        if (received.length >= w.n) w.resolve();
        else waiters.push(w);
      }
    },
    /** Resolves once `n` payloads arrived; fails after 10 s (a lost signal, not a slow one). */
    until(n: number): Promise<void> {
      if (received.length >= n) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`expected ${n} signals within 10 s, got ${JSON.stringify(received)}`)), 10_000);
        waiters.push({ n, resolve: () => { clearTimeout(timer); resolve(); } });
      });
    },
  };
}

export function signalsSuite(h: Harness): void {
  describe('signals', () => {
    /** A second store that sees the suite store's data: another connection on the same URL, or (memory:) itself. */
    const peer = async (): Promise<MemoryStore> => (h.target.shared ? h.open() : h.store);

    it('a subscriber on another store sees what one store publishes, and so does the publisher itself', async () => {
      const topic = h.ns('topic');
      const other = await peer();
      const remote = inbox();
      const local = inbox();
      const stopRemote = await other.subscribe(topic, remote.listener);
      const stopLocal = await h.store.subscribe(topic, local.listener);
      try {
        await h.store.publish(topic, { incident: 'inc-1', request: 'r-1', n: 1 });
        await h.store.publish(topic, { incident: 'inc-1', request: 'r-1', n: 2 });
        await remote.until(2);
        await local.until(2);
        // One publisher's signals arrive in the order they were published.
        expect(remote.received).toEqual([{ incident: 'inc-1', request: 'r-1', n: 1 }, { incident: 'inc-1', request: 'r-1', n: 2 }]);
        expect(local.received).toEqual(remote.received);
      } finally {
        await stopRemote();
        await stopLocal();
      }
    });

    it('delivers by topic, to every subscriber of it', async () => {
      const [a, b] = [h.ns('topic'), h.ns('topic')];
      const other = await peer();
      const [a1, a2, b1] = [inbox(), inbox(), inbox()];
      const stops = [await other.subscribe(a, a1.listener), await other.subscribe(a, a2.listener), await other.subscribe(b, b1.listener)];
      try {
        await h.store.publish(a, 'for a');
        await h.store.publish(b, 'for b');
        await Promise.all([a1.until(1), a2.until(1), b1.until(1)]);
        expect([a1.received, a2.received, b1.received]).toEqual([['for a'], ['for a'], ['for b']]);
      } finally {
        for (const stop of stops) await stop();
      }
    });

    it('unsubscribe stops delivery to that listener only; calling it twice is harmless', async () => {
      const topic = h.ns('topic');
      const other = await peer();
      const [gone, staying] = [inbox(), inbox()];
      const stopGone = await other.subscribe(topic, gone.listener);
      const stopStaying = await other.subscribe(topic, staying.listener);
      try {
        await h.store.publish(topic, 1);
        await Promise.all([gone.until(1), staying.until(1)]);
        await stopGone();
        await stopGone();
        await h.store.publish(topic, 2);
        // Both listeners hang off the same delivery: once `staying` has 2, `gone` would have had it too.
        await staying.until(2);
        expect(gone.received).toEqual([1]);
        expect(staying.received).toEqual([1, 2]);
      } finally {
        await stopStaying();
      }
    });

    it('a listener that throws does not keep the signal from the others', async () => {
      const topic = h.ns('topic');
      const ok = inbox();
      const stops = [await h.store.subscribe(topic, () => { throw new Error('listener bug'); }), await h.store.subscribe(topic, ok.listener)];
      try {
        await h.store.publish(topic, 'still delivered');
        await ok.until(1);
        expect(ok.received).toEqual(['still delivered']);
      } finally {
        for (const stop of stops) await stop();
      }
    });

    it('subscribing again after the last unsubscribe works (the listener connection is re-opened)', async () => {
      const topic = h.ns('topic');
      const other = await peer();
      const first = inbox();
      await (await other.subscribe(topic, first.listener))();
      const second = inbox();
      const stop = await other.subscribe(topic, second.listener);
      try {
        await h.store.publish(topic, 'again');
        await second.until(1);
        expect(first.received).toEqual([]);
      } finally {
        await stop();
      }
    });

    it('payloads are validated and redacted like values; topics like names', async () => {
      const topic = h.ns('topic');
      const got = inbox();
      const stop = await h.store.subscribe(topic, got.listener);
      try {
        const err = await h.store.publish(topic, { at: new Date() } as unknown as Json).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(MemoryValueError);
        expect((err as MemoryValueError).path).toBe('payload.at');
        const big = await h.store.publish(topic, 'x'.repeat(5000)).catch((e: unknown) => e);
        expect(big).toBeInstanceOf(MemoryValueTooLargeError);
        expect((big as Error).message).toMatch(/signals are small/);
        await expect(h.store.publish('', 1)).rejects.toBeInstanceOf(MemoryKeyError);
        await expect(h.store.subscribe('t'.repeat(201), () => undefined)).rejects.toBeInstanceOf(MemoryKeyError);
        await h.store.publish(topic, { note: 'Authorization: Bearer abcdefghijklmnop1234', password: 'hunter2-canary' });
        await got.until(1);
        expect(got.received).toEqual([{ note: `Authorization: Bearer ${REDACTED}`, password: REDACTED }]);
      } finally {
        await stop();
      }
    });

    it('close() releases the listening connection; a closed store refuses to publish or subscribe', async () => {
      const store = await h.open();
      const topic = h.ns('topic');
      const stop = await store.subscribe(topic, () => undefined);
      if (h.target.signalListeners) await until(async () => (await h.target.signalListeners!()) >= 1);
      await stop();
      if (h.target.signalListeners) await until(async () => (await h.target.signalListeners!()) === 0);
      await store.subscribe(topic, () => undefined);
      if (h.target.signalListeners) await until(async () => (await h.target.signalListeners!()) >= 1);
      await store.close();
      if (h.target.signalListeners) await until(async () => (await h.target.signalListeners!()) === 0);
      await expect(store.publish(topic, 1)).rejects.toBeInstanceOf(MemoryClosedError);
      await expect(store.subscribe(topic, () => undefined)).rejects.toBeInstanceOf(MemoryClosedError);
    });
  });
}

/** Waits for a server-side count to settle (a closed session disappears from the server's lists shortly after). */
async function until(condition: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
