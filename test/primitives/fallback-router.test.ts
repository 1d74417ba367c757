import { describe, expect, it } from 'vitest';
import { fallback, FallbackError, InvalidOptionsError, router, RouteNotFoundError, run, step, type Step } from '../../src/index.js';
import { recording, silent, untilAborted } from './helpers.js';

const failing = (name: string, message = `${name} failed`) => step(name, (): string => {
  throw new Error(message);
});

describe('fallback', () => {
  it('returns the primary result without touching alternatives', async () => {
    const { opts, events } = recording();
    await expect(run(fallback(step('loki', () => 'logs'), failing('kubectl')), undefined, opts)).resolves.toBe('logs');
    expect(events.filter((e) => e.type === 'start').map((e) => e.path)).toEqual(['loki']);
  });

  it('tries alternatives in order, with the same input, until one succeeds', async () => {
    const seen: string[] = [];
    const alt = (name: string) => step(name, (q: string) => {
      seen.push(`${name}:${q}`);
      return `${name}(${q})`;
    });
    const f = fallback(failing('big-model'), failing('mid-model'), alt('small-model'), alt('never'));
    await expect(run(f, 'summarise', silent)).resolves.toBe('small-model(summarise)');
    expect(seen).toEqual(['small-model:summarise']);
  });

  it('all failing -> FallbackError listing every cause in order', async () => {
    const err = await run(fallback(failing('a', 'A down'), failing('b', 'B down'), failing('c', 'C down')), undefined, silent).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FallbackError);
    const fe = err as FallbackError;
    expect(fe.steps).toEqual(['a', 'b', 'c']);
    expect(fe.errors.map((e: Error) => e.message)).toEqual(['A down', 'B down', 'C down']);
    expect(fe.message).toContain('a: Error: A down; b: Error: B down; c: Error: C down');
  });

  it('never falls back on cancellation', async () => {
    let alternativeRan = false;
    const alt = step('alt', () => {
      alternativeRan = true;
      return 'alt';
    });
    const aborting = step('primary', () => Promise.reject(new DOMException('gone', 'AbortError')));
    await expect(run(fallback(aborting, alt), undefined, silent)).rejects.toMatchObject({ name: 'AbortError' });
    const ac = new AbortController();
    const hanging = step('hanging', (_: void, ctx) => untilAborted(ctx.signal));
    const p = run(fallback(hanging, alt), undefined, { ...silent, signal: ac.signal });
    ac.abort(new Error('incident closed'));
    await expect(p).rejects.toThrow('incident closed');
    await new Promise((r) => setImmediate(r));
    expect(alternativeRan).toBe(false);
  });

  it('types the output as the union of the alternatives', async () => {
    const f: Step<void, string | number> = fallback(step('s', (): string => 's'), step('n', (): number => 1));
    expect(typeof (await run(f, undefined, silent))).toBe('string');
  });
});

describe('router', () => {
  const backend = step('backend', (a: { team: string }) => `backend handles ${a.team}`);
  const devops = step('devops', (a: { team: string }) => `devops handles ${a.team}`);

  it('runs the selected route with the same input, at the route step\'s path', async () => {
    const { opts, events } = recording();
    const triage = router({ select: (a: { team: string }) => a.team, routes: { db: backend, infra: devops } });
    await expect(run(triage, { team: 'db' }, opts)).resolves.toBe('backend handles db');
    expect(events.filter((e) => e.type === 'start').map((e) => e.path)).toEqual(['backend']);
  });

  it('awaits an async selector that can use the context', async () => {
    const triage = router({
      select: async (_: { team: string }, ctx) => (ctx.runId === 'r-infra' ? 'infra' : 'db'),
      routes: { db: backend, infra: devops },
    });
    await expect(run(triage, { team: 'x' }, { ...silent, runId: 'r-infra' })).resolves.toBe('devops handles x');
  });

  it('an unknown key takes the default, or rejects naming the key and the known keys', async () => {
    const withDefault = router({ select: () => 'network', routes: { db: backend, infra: devops }, default: 'infra' });
    await expect(run(withDefault, { team: 'net' }, silent)).resolves.toBe('devops handles net');
    const strict = router({ select: () => 'network', routes: { db: backend, infra: devops } });
    const err = await run(strict, { team: 'net' }, silent).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RouteNotFoundError);
    expect((err as RouteNotFoundError).key).toBe('network');
    expect((err as RouteNotFoundError).known).toEqual(['db', 'infra']);
    // Inherited properties of the routes object are not routes.
    const proto = router({ select: () => 'constructor', routes: { db: backend } });
    await expect(run(proto, { team: 'x' }, silent)).rejects.toBeInstanceOf(RouteNotFoundError);
  });

  it('validates options', () => {
    // @ts-expect-error the default must be one of the routes
    expect(() => router({ select: () => 'a', routes: { db: backend }, default: 'nope' })).toThrow(/default/);
    expect(() => router({ select: () => 'a', routes: {} })).toThrow(InvalidOptionsError);
    // @ts-expect-error routes must be steps
    expect(() => router({ select: () => 'a', routes: { db: 42 } })).toThrow(/routes\.db/);
  });

  it('types: routes must accept the router input; the output is the union of route outputs', () => {
    const num = step('num', (n: number) => n * 2);
    const str = step('str', (s: string) => s.length);
    // @ts-expect-error a route taking a string cannot receive the number the selector reads
    router({ select: (n: number) => (n > 0 ? 'a' : 'b'), routes: { a: num, b: str } });
    const ok: Step<number, number> = router({ select: (n: number) => (n > 0 ? 'a' : 'b'), routes: { a: num, b: num } });
    expect(ok.kind).toBe('router');
  });
});
