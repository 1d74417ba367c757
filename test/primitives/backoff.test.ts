import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backoff, InvalidOptionsError } from '../../src/index.js';

const schedule = (b: { delay(n: number, prev: number): number }, n: number): number[] => {
  const out: number[] = [];
  let prev = 0;
  for (let i = 1; i <= n; i++) out.push((prev = b.delay(i, prev)));
  return out;
};

/** A fixed sequence of "random" numbers, cycled. */
const seq = (...values: number[]): (() => number) => {
  let i = 0;
  return () => values[i++ % values.length]!;
};

describe('backoff strategies', () => {
  it('constant returns the same delay every time', () => {
    expect(schedule(backoff.constant(250), 4)).toEqual([250, 250, 250, 250]);
  });

  it('linear grows by its step and stops at maxMs', () => {
    expect(schedule(backoff.linear(100, { maxMs: 250 }), 5)).toEqual([100, 200, 250, 250, 250]);
  });

  it('exponential without jitter doubles from initialMs up to maxMs', () => {
    expect(schedule(backoff.exponential({ initialMs: 100, maxMs: 1_000, jitter: 'none' }), 6)).toEqual([100, 200, 400, 800, 1000, 1000]);
    expect(schedule(backoff.exponential({ initialMs: 10, maxMs: 1_000, factor: 3, jitter: 'none' }), 4)).toEqual([10, 30, 90, 270]);
  });

  it('full jitter is uniform in [0, capped]', () => {
    const b = backoff.exponential({ initialMs: 100, maxMs: 1_000, jitter: 'full', random: seq(0.5, 0, 0.25) });
    expect(schedule(b, 3)).toEqual([50, 0, 100]);
  });

  it('equal jitter is half the capped delay plus up to half again', () => {
    const b = backoff.exponential({ initialMs: 100, maxMs: 1_000, jitter: 'equal', random: seq(0, 0.5, 0.999999) });
    const [a, c, d] = schedule(b, 3);
    expect(a).toBe(50);
    expect(c).toBe(150);
    expect(d).toBeCloseTo(400, 3);
  });

  it('decorrelated jitter draws from [initialMs, previous x 3], capped', () => {
    const b = backoff.exponential({ initialMs: 100, maxMs: 1_000, jitter: 'decorrelated', random: seq(1 - 1e-12) });
    const out = schedule(b, 5).map(Math.round);
    expect(out).toEqual([300, 900, 1000, 1000, 1000]);
    const low = backoff.exponential({ initialMs: 100, maxMs: 1_000, jitter: 'decorrelated', random: seq(0) });
    expect(schedule(low, 3)).toEqual([100, 100, 100]);
  });

  it('a broken random source cannot produce a broken delay', () => {
    for (const bad of [NaN, 1, -5, Infinity]) {
      for (const jitter of ['full', 'equal', 'decorrelated'] as const) {
        const d = backoff.exponential({ initialMs: 100, maxMs: 1_000, jitter, random: () => bad }).delay(3, 400);
        expect(Number.isFinite(d) && d >= 0 && d <= 1_000).toBe(true);
      }
    }
  });

  it('property: every strategy stays finite and within [0, maxMs] after any number of attempts', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.001, max: 1e6, noNaN: true }),
        fc.double({ min: 0, max: 1e7, noNaN: true }),
        fc.double({ min: 1, max: 100, noNaN: true }),
        fc.constantFrom('none', 'full', 'equal', 'decorrelated' as const),
        fc.array(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), { minLength: 1, maxLength: 20 }),
        fc.integer({ min: 1, max: 400 }),
        (initialMs, extra, factor, jitter, randoms, steps) => {
          const maxMs = initialMs + extra;
          const b = backoff.exponential({ initialMs, maxMs, factor, jitter, random: seq(...randoms) });
          let prev = 0;
          for (let n = 1; n <= steps; n++) {
            prev = b.delay(n, prev);
            if (Number.isNaN(prev) || prev < 0 || prev > maxMs) return false;
          }
          // Far past any overflow point, too.
          const far = b.delay(1e9, prev);
          return Number.isFinite(far) && far >= 0 && far <= maxMs;
        },
      ),
      { numRuns: 300 },
    );
  });

  it('validates options and names the bad one', () => {
    expect(() => backoff.constant(-1)).toThrow(InvalidOptionsError);
    expect(() => backoff.linear(100, { maxMs: 50 })).toThrow(/maxMs/);
    expect(() => backoff.exponential({ initialMs: 0, maxMs: 10 })).toThrow(/initialMs/);
    expect(() => backoff.exponential({ initialMs: 100, maxMs: 10 })).toThrow(/maxMs/);
    expect(() => backoff.exponential({ initialMs: 1, maxMs: 10, factor: 0.5 })).toThrow(/factor/);
    // @ts-expect-error jitter must be one of the four
    expect(() => backoff.exponential({ initialMs: 1, maxMs: 10, jitter: 'random' })).toThrow(/jitter/);
  });
});
