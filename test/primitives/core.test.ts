import { describe, expect, it } from 'vitest';
import { InvalidOptionsError, named, prepareRun, run, sequence, step, type StepEvent } from '../../src/index.js';
import { silent } from './helpers.js';

describe('run / step / sequence', () => {
  it('chains outputs through a typed sequence', async () => {
    const parse = step('parse', (s: string) => Number(s));
    const double = step('double', (n: number) => n * 2);
    const show = step('show', (n: number) => `=${n}`);
    const pipeline = sequence(parse, double, show);
    await expect(run(pipeline, '21')).resolves.toBe('=42');
  });

  it('emits start/end with paths from the runner, and named() adds a segment', async () => {
    const events: StepEvent[] = [];
    const a = step('a', (n: number) => n + 1);
    const b = step('b', (n: number, ctx) => `${ctx.path}:${n}`);
    const out = await run(named('incident', sequence(a, b)), 1, { onEvent: (e) => events.push(e), runId: 'r1' });
    expect(out).toBe('incident/b:2');
    expect(events.map((e) => `${e.type}:${e.path}`)).toEqual([
      'start:incident', 'start:incident/a', 'end:incident/a', 'start:incident/b', 'end:incident/b', 'end:incident',
    ]);
    expect(events.every((e) => e.runId === 'r1')).toBe(true);
  });

  it('rejects with the signal reason when aborted, even if the step ignores its signal', async () => {
    const ac = new AbortController();
    const slow = step('slow', () => new Promise<number>((r) => setTimeout(() => r(1), 5_000).unref()));
    const p = run(slow, undefined, { signal: ac.signal });
    ac.abort(new Error('stop'));
    await expect(p).rejects.toThrow('stop');
  });

  it('names the bad option', async () => {
    await expect(run(step('x', () => 1), undefined, { runId: '' })).rejects.toThrow(/runId/);
  });

  it('gives a stable idempotency key per runId and path', async () => {
    const keyOf = step('deploy', (_: unknown, ctx) => ctx.idempotencyKey);
    const k1 = await run(keyOf, undefined, { runId: 'same' });
    const k2 = await run(keyOf, undefined, { runId: 'same' });
    const k3 = await run(keyOf, undefined, { runId: 'other' });
    expect(k1).toBe(k2);
    expect(k1).not.toBe(k3);
  });
});

describe('prepareRun', () => {
  it('validates its options once, runs with them, and gives each run its own id', async () => {
    expect(() => prepareRun({ nope: 1 } as never)).toThrow(InvalidOptionsError);
    const events: StepEvent[] = [];
    const start = prepareRun({ onEvent: (e) => events.push(e), basePath: 'host' });
    const where = step('where', (_: void, ctx) => `${ctx.runId} ${ctx.path}`);
    const [a, b] = await Promise.all([start(where, undefined), start(where, undefined)]);
    expect(a!.split(' ')[1]).toBe('host/where');
    expect(a!.split(' ')[0]).not.toBe(b!.split(' ')[0]);
    expect(events.filter((e) => e.type === 'end')).toHaveLength(2);
  });

  it('honours the per-run signal', async () => {
    const start = prepareRun({ logger: silent.logger });
    const ac = new AbortController();
    const hang = step('hang', (_: void, ctx) => new Promise((_r, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason))));
    const p = start(hang, undefined, ac.signal);
    ac.abort(new Error('stop'));
    await expect(p).rejects.toThrow('stop');
  });
});
