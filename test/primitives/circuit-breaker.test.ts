import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  BrokenCircuitError, CircuitBreaker, circuitBreaker, InvalidOptionsError, run, step, type BreakerTransition, type StepEvent,
} from '../../src/index.js';
import { deferred, recording, silent } from './helpers.js';

const fail = step('fail', (): number => {
  throw new Error('dependency down');
});
const ok = step('ok', () => 1);

async function settle(p: Promise<unknown>): Promise<unknown> {
  return p.then((v) => v, (e: unknown) => e);
}

describe('CircuitBreaker: consecutive failures', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('opens after failureThreshold failures in a row and then rejects fast without calling the step', async () => {
    const b = new CircuitBreaker({ name: 'grafana', failureThreshold: 3, halfOpenAfterMs: 1_000 });
    const calls = vi.fn(() => 1);
    const guarded = circuitBreaker(step('query', calls), b);
    const failing = circuitBreaker(fail, b);
    await settle(run(failing, undefined, silent));
    await settle(run(failing, undefined, silent));
    expect(b.state).toBe('closed');
    await settle(run(failing, undefined, silent));
    expect(b.state).toBe('open');
    vi.advanceTimersByTime(400);
    const err = await settle(run(guarded, undefined, silent));
    expect(err).toBeInstanceOf(BrokenCircuitError);
    expect((err as BrokenCircuitError).retryAfterMs).toBe(600);
    expect(calls).not.toHaveBeenCalled();
  });

  it('a success resets the consecutive count', async () => {
    const b = new CircuitBreaker({ name: 'b', failureThreshold: 2, halfOpenAfterMs: 1_000 });
    for (const s of [fail, ok, fail, ok, fail]) await settle(run(circuitBreaker(s, b), undefined, silent));
    expect(b.state).toBe('closed');
  });

  it('half-open lets exactly halfOpenProbes calls through at once; a probe success closes it', async () => {
    const b = new CircuitBreaker({ name: 'b', failureThreshold: 1, halfOpenAfterMs: 1_000, halfOpenProbes: 2 });
    await settle(run(circuitBreaker(fail, b), undefined, silent));
    vi.advanceTimersByTime(1_000);
    expect(b.state).toBe('half-open');
    const gates = [deferred<number>(), deferred<number>()];
    let started = 0;
    const slow = circuitBreaker(step('slow', () => gates[started++]!.promise), b);
    const p1 = run(slow, undefined, silent);
    const p2 = run(slow, undefined, silent);
    const p3 = settle(run(slow, undefined, silent));
    await expect(p3).resolves.toBeInstanceOf(BrokenCircuitError);
    expect(started).toBe(2);
    gates[0]!.resolve(7);
    await expect(p1).resolves.toBe(7);
    expect(b.state).toBe('closed');
    gates[1]!.resolve(8);
    await expect(p2).resolves.toBe(8);
    await expect(run(circuitBreaker(ok, b), undefined, silent)).resolves.toBe(1);
  });

  it('a probe failure re-opens it for another halfOpenAfterMs', async () => {
    const b = new CircuitBreaker({ name: 'b', failureThreshold: 1, halfOpenAfterMs: 1_000 });
    await settle(run(circuitBreaker(fail, b), undefined, silent));
    vi.advanceTimersByTime(1_000);
    await settle(run(circuitBreaker(fail, b), undefined, silent));
    expect(b.state).toBe('open');
    vi.advanceTimersByTime(999);
    expect(b.state).toBe('open');
    vi.advanceTimersByTime(1);
    expect(b.state).toBe('half-open');
  });

  it('aborted calls count neither as failures nor as probe results, and free their probe slot', async () => {
    const b = new CircuitBreaker({ name: 'b', failureThreshold: 1, halfOpenAfterMs: 100 });
    const hang = circuitBreaker(step('hang', (_: void, ctx) => new Promise<never>((_r, rej) => ctx.signal.addEventListener('abort', () => rej(ctx.signal.reason)))), b);
    const ac = new AbortController();
    const p = settle(run(hang, undefined, { ...silent, signal: ac.signal }));
    ac.abort(new Error('user cancelled'));
    await p;
    await Promise.resolve();
    expect(b.state).toBe('closed');
    await settle(run(circuitBreaker(step('abortish', () => Promise.reject(new DOMException('x', 'AbortError'))), b), undefined, silent));
    expect(b.state).toBe('closed');
    b.trip();
    vi.advanceTimersByTime(100);
    const ac2 = new AbortController();
    const probe = settle(run(hang, undefined, { ...silent, signal: ac2.signal }));
    await expect(run(circuitBreaker(ok, b), undefined, silent)).rejects.toBeInstanceOf(BrokenCircuitError);
    ac2.abort();
    await probe;
    await vi.advanceTimersByTimeAsync(0);
    expect(b.state).toBe('half-open');
    await expect(run(circuitBreaker(ok, b), undefined, silent)).resolves.toBe(1);
    expect(b.state).toBe('closed');
  });

  it('ignores late results of calls admitted before a transition', async () => {
    const b = new CircuitBreaker({ name: 'b', failureThreshold: 1, halfOpenAfterMs: 100 });
    const gate = deferred<number>();
    const late = run(circuitBreaker(step('late', () => gate.promise), b), undefined, silent);
    await settle(run(circuitBreaker(fail, b), undefined, silent));
    vi.advanceTimersByTime(100);
    expect(b.state).toBe('half-open');
    gate.resolve(1); // admitted while closed: must not count as the probe's success
    await late;
    expect(b.state).toBe('half-open');
  });

  it('notifies stateChange listeners and puts a breaker event into the run that caused the transition', async () => {
    const b = new CircuitBreaker({ name: 'github', failureThreshold: 1, halfOpenAfterMs: 50 });
    const changes: BreakerTransition[] = [];
    const off = b.on('stateChange', (c) => changes.push(c));
    b.on('stateChange', () => {
      throw new Error('a broken listener changes nothing');
    });
    const { opts, events } = recording();
    await settle(run(circuitBreaker(fail, b), undefined, opts));
    vi.advanceTimersByTime(50);
    await run(circuitBreaker(ok, b), undefined, opts);
    const breakerEvents = events.filter((e): e is Extract<StepEvent, { type: 'breaker' }> => e.type === 'breaker');
    expect(breakerEvents.map((e) => `${e.breaker}:${e.from}->${e.to}`)).toEqual([
      'github:closed->open', 'github:open->half-open', 'github:half-open->closed',
    ]);
    expect(changes.map((c) => c.to)).toEqual(['open', 'half-open', 'closed']);
    off();
    b.trip();
    expect(changes).toHaveLength(3);
  });

  it('isolate() holds it open until every handle is disposed; reset() closes it', async () => {
    const b = new CircuitBreaker({ name: 'b', halfOpenAfterMs: 10 });
    const h1 = b.isolate();
    const h2 = b.isolate();
    expect(b.state).toBe('isolated');
    await expect(run(circuitBreaker(ok, b), undefined, silent)).rejects.toBeInstanceOf(BrokenCircuitError);
    vi.advanceTimersByTime(1_000);
    h1.dispose();
    h1.dispose(); // idempotent
    expect(b.state).toBe('isolated');
    h2.dispose();
    expect(b.state).toBe('closed');
    b.trip();
    b.reset();
    expect(b.state).toBe('closed');
  });
});

describe('CircuitBreaker: failure rate over a window', () => {
  beforeEach(() => vi.useFakeTimers({ now: 0 }));
  afterEach(() => vi.useRealTimers());

  it('opens when the failure rate reaches the threshold with at least minimumCalls in the window', async () => {
    const b = new CircuitBreaker({ name: 'b', failureRate: { threshold: 0.5, minimumCalls: 4, windowMs: 10_000 }, halfOpenAfterMs: 1_000 });
    for (const s of [fail, ok, fail]) await settle(run(circuitBreaker(s, b), undefined, silent));
    expect(b.state).toBe('closed'); // 2/3 failed, but only 3 calls
    await settle(run(circuitBreaker(ok, b), undefined, silent));
    expect(b.state).toBe('closed'); // 2/4 = 50%, but a success never trips it
    await settle(run(circuitBreaker(fail, b), undefined, silent));
    expect(b.state).toBe('open'); // 3/5 = 60%
  });

  it('forgets calls older than the window', async () => {
    const b = new CircuitBreaker({ name: 'b', failureRate: { threshold: 0.5, minimumCalls: 3, windowMs: 1_000 }, halfOpenAfterMs: 1_000 });
    await settle(run(circuitBreaker(fail, b), undefined, silent));
    await settle(run(circuitBreaker(fail, b), undefined, silent));
    vi.advanceTimersByTime(1_000);
    await settle(run(circuitBreaker(fail, b), undefined, silent));
    expect(b.state).toBe('closed'); // the first two aged out: 1 call in the window
    await settle(run(circuitBreaker(fail, b), undefined, silent));
    await settle(run(circuitBreaker(fail, b), undefined, silent));
    expect(b.state).toBe('open');
  });

  it('with both detectors, either one trips it', async () => {
    const b = new CircuitBreaker({ name: 'b', failureThreshold: 3, failureRate: { threshold: 0.9, minimumCalls: 100, windowMs: 1_000 }, halfOpenAfterMs: 1 });
    for (let i = 0; i < 3; i++) await settle(run(circuitBreaker(fail, b), undefined, silent));
    expect(b.state).toBe('open');
  });
});

describe('CircuitBreaker: snapshots', () => {
  beforeEach(() => vi.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => vi.useRealTimers());

  it('toJSON()/restore() round-trip state, counts and options through JSON', async () => {
    const b = new CircuitBreaker({ name: 'mcp', failureThreshold: 3, failureRate: { threshold: 0.5, minimumCalls: 10, windowMs: 60_000 }, halfOpenAfterMs: 5_000 });
    await settle(run(circuitBreaker(fail, b), undefined, silent));
    await settle(run(circuitBreaker(fail, b), undefined, silent));
    const copy = CircuitBreaker.restore(JSON.parse(JSON.stringify(b)));
    expect(copy.name).toBe('mcp');
    expect(copy.toJSON()).toEqual(b.toJSON());
    await settle(run(circuitBreaker(fail, copy), undefined, silent));
    expect(copy.state).toBe('open'); // the third consecutive failure, counted across the restore
    const reopened = CircuitBreaker.restore(JSON.parse(JSON.stringify(copy)));
    expect(reopened.state).toBe('open');
    vi.advanceTimersByTime(5_000);
    expect(reopened.state).toBe('half-open');
  });

  it('an isolated snapshot stays isolated until reset()', () => {
    const b = new CircuitBreaker({ name: 'b', halfOpenAfterMs: 1 });
    b.isolate();
    const copy = CircuitBreaker.restore(b.toJSON());
    expect(copy.state).toBe('isolated');
    copy.reset();
    expect(copy.state).toBe('closed');
  });

  it('rejects a malformed snapshot naming the field', () => {
    const good = new CircuitBreaker({ name: 'b', halfOpenAfterMs: 1 }).toJSON();
    expect(() => CircuitBreaker.restore({ ...good, state: { name: 'open' } })).toThrow(/state\.openedAt/);
    expect(() => CircuitBreaker.restore({ ...good, consecutiveFailures: -1 })).toThrow(/consecutiveFailures/);
  });
});

describe('CircuitBreaker: options', () => {
  it('validates and names the bad option', () => {
    expect(() => new CircuitBreaker({ name: '', halfOpenAfterMs: 1 })).toThrow(/name/);
    expect(() => new CircuitBreaker({ name: 'b', halfOpenAfterMs: -1 })).toThrow(/halfOpenAfterMs/);
    expect(() => new CircuitBreaker({ name: 'b', halfOpenAfterMs: 1, failureRate: { threshold: 1.5, minimumCalls: 1, windowMs: 1 } })).toThrow(/failureRate\.threshold/);
    expect(() => new CircuitBreaker({ name: 'b', halfOpenAfterMs: 1, halfOpenProbes: 0 })).toThrow(InvalidOptionsError);
    expect(() => circuitBreaker(ok, {} as CircuitBreaker)).toThrow(TypeError);
  });

  it('defaults to 5 consecutive failures', async () => {
    const b = new CircuitBreaker({ name: 'b', halfOpenAfterMs: 1_000 });
    for (let i = 0; i < 4; i++) await settle(run(circuitBreaker(fail, b), undefined, silent));
    expect(b.state).toBe('closed');
    await settle(run(circuitBreaker(fail, b), undefined, silent));
    expect(b.state).toBe('open');
  });

  it('execute() guards plain functions too', async () => {
    const b = new CircuitBreaker({ name: 'b', failureThreshold: 1, halfOpenAfterMs: 60_000 });
    await expect(b.execute(async () => 5)).resolves.toBe(5);
    await expect(b.execute(() => Promise.reject(new Error('x')))).rejects.toThrow('x');
    await expect(b.execute(async () => 5)).rejects.toBeInstanceOf(BrokenCircuitError);
  });
});
