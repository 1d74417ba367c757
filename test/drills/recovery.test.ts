import { describe, expect, it } from 'vitest';
import { recoveryStart } from '../../src/drills/recovery.js';

const errorRate = { op: '<' as const, threshold: 0.001, noData: 'fail' as const };
const p95 = { op: '<' as const, threshold: 0.5, noData: 'fail' as const };
const series = (start: number, values: (number | null)[]): [number, string][] =>
  values.flatMap((v, i) => (v === null ? [] : [[start + i, String(v)] as [number, string]]));

describe('recoveryStart', () => {
  it('finds the start of the last run in which every check held', () => {
    const errors = series(100, [0.15, 0.14, 0, 0.02, 0, 0, 0, 0]);
    const latency = series(100, [2.5, 2.4, 0.3, 0.3, 0.9, 0.3, 0.3, 0.3]);
    expect(recoveryStart([errorRate, p95], [errors, latency], { startS: 100, endS: 107, stepSeconds: 1 })).toBe(105_000);
  });

  it('treats missing samples and NaN as no data, following each check\'s policy', () => {
    const errors = series(10, [0, 0, Number.NaN, 0, 0]);
    expect(recoveryStart([errorRate], [errors], { startS: 10, endS: 14, stepSeconds: 1 })).toBe(13_000);
    expect(recoveryStart([{ ...errorRate, noData: 'pass' }], [errors], { startS: 10, endS: 14, stepSeconds: 1 })).toBe(10_000);
    expect(recoveryStart([errorRate], [series(10, [0, 0, null, 0])], { startS: 10, endS: 13, stepSeconds: 1 })).toBe(13_000);
  });

  it('is undefined when the checks do not hold at the end', () => {
    expect(recoveryStart([errorRate], [series(0, [0, 0, 0.2])], { startS: 0, endS: 2, stepSeconds: 1 })).toBeUndefined();
  });
});
