import { describe, expect, it } from 'vitest';
import { bulkhead, BulkheadRejectedError, InvalidOptionsError, run, step } from '../../src/index.js';
import { deferred, silent } from './helpers.js';

/** A step whose calls each wait for the test to release them, in call order. */
function gated() {
  const gates: ReturnType<typeof deferred<string>>[] = [];
  const started: string[] = [];
  const s = step('sandbox', (id: string) => {
    started.push(id);
    const d = deferred<string>();
    gates.push(d);
    return d.promise;
  });
  return { s, gates, started };
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('bulkhead', () => {
  it('runs at most `concurrency` at once, queues up to `queue`, rejects the rest at once', async () => {
    const { s, gates, started } = gated();
    const b = bulkhead(s, { concurrency: 2, queue: 1 });
    const p1 = run(b, 'r1', silent);
    const p2 = run(b, 'r2', silent);
    const p3 = run(b, 'r3', silent);
    await tick();
    expect(started).toEqual(['r1', 'r2']);
    expect([b.running, b.queued]).toEqual([2, 1]);
    const rejected = await run(b, 'r4', silent).catch((e: unknown) => e);
    expect(rejected).toBeInstanceOf(BulkheadRejectedError);
    expect((rejected as BulkheadRejectedError).message).toContain("'sandbox'");
    gates[0]!.resolve('one');
    await expect(p1).resolves.toBe('one');
    await tick();
    expect(started).toEqual(['r1', 'r2', 'r3']); // the queued call took the freed slot
    expect([b.running, b.queued]).toEqual([2, 0]);
    gates[1]!.resolve('two');
    gates[2]!.resolve('three');
    await expect(Promise.all([p2, p3])).resolves.toEqual(['two', 'three']);
    expect([b.running, b.queued]).toEqual([0, 0]);
  });

  it('queue defaults to 0 and is FIFO', async () => {
    const { s, gates, started } = gated();
    const noQueue = bulkhead(s, { concurrency: 1 });
    const first = run(noQueue, 'a', silent);
    await expect(run(noQueue, 'b', silent)).rejects.toBeInstanceOf(BulkheadRejectedError);
    gates[0]!.resolve('a');
    await first;
    const fifo = bulkhead(s, { concurrency: 1, queue: 3 });
    const all = ['x', 'y', 'z', 'w'].map((id) => run(fifo, id, silent));
    for (let i = 1; i <= 4; i++) {
      await tick();
      gates[i]!.resolve(String(i));
    }
    await Promise.all(all);
    expect(started).toEqual(['a', 'x', 'y', 'z', 'w']);
  });

  it('a failing call frees its slot', async () => {
    const b = bulkhead(step('boom', (): number => {
      throw new Error('boom');
    }), { concurrency: 1 });
    for (let i = 0; i < 3; i++) await expect(run(b, undefined, silent)).rejects.toThrow('boom');
    expect(b.running).toBe(0);
  });

  it('a queued call whose signal aborts leaves the queue at once with the reason', async () => {
    const { s, gates, started } = gated();
    const b = bulkhead(s, { concurrency: 1, queue: 2 });
    const running = run(b, 'busy', silent);
    const ac = new AbortController();
    const waiting = run(b, 'cancelled', { ...silent, signal: ac.signal });
    const next = run(b, 'next', silent);
    await tick();
    expect(b.queued).toBe(2);
    ac.abort(new Error('operator gave up'));
    await expect(waiting).rejects.toThrow('operator gave up');
    expect(b.queued).toBe(1);
    gates[0]!.resolve('done');
    await running;
    await tick();
    expect(started).toEqual(['busy', 'next']);
    gates[1]!.resolve('next');
    await expect(next).resolves.toBe('next');
    expect([b.running, b.queued]).toEqual([0, 0]);
  });

  it('an already-aborted caller takes neither a slot nor a queue place', async () => {
    const { s } = gated();
    const b = bulkhead(s, { concurrency: 1, queue: 1 });
    const ac = new AbortController();
    ac.abort(new Error('late'));
    await expect(run(b, 'x', { ...silent, signal: ac.signal })).rejects.toThrow('late');
    expect([b.running, b.queued]).toEqual([0, 0]);
  });

  it('validates options', () => {
    const s = step('s', () => 1);
    expect(() => bulkhead(s, { concurrency: 0 })).toThrow(/concurrency/);
    expect(() => bulkhead(s, { concurrency: 1, queue: -1 })).toThrow(/queue/);
    expect(() => bulkhead(s, { concurrency: 1.5 })).toThrow(InvalidOptionsError);
  });
});
