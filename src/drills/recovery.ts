import type { SloCheck } from './scenario.js';

/** One check's values over time, as a range query returns them: [unix seconds, value text]. */
export type CheckSamples = readonly (readonly [number, string])[];

const compare = (value: number, op: SloCheck['op'], threshold: number): boolean =>
  op === '<' ? value < threshold : op === '<=' ? value <= threshold : op === '>' ? value > threshold : value >= threshold;

/**
 * When the service recovered: the start of the last unbroken run, ending at the last sample, in which
 * every SLO check held — evaluated over Prometheus range queries of the checks (`samples[i]` for
 * `checks[i]`, one point per `stepSeconds`). Undefined when the checks do not hold at the last point.
 *
 * Why not "when the runner's verify phase saw the SLOs hold": the responder usually verifies its own fix
 * first, so by the time the runner looks the service may have been healthy for a while; TTM would then
 * include the responder's verification wait.
 * Gotcha: a missing sample or NaN is "no data" and follows the check's `noData` policy.
 */
export function recoveryStart(checks: readonly Pick<SloCheck, 'op' | 'threshold' | 'noData'>[], samples: readonly CheckSamples[], range: { startS: number; endS: number; stepSeconds: number }): number | undefined {
  const lookup = samples.map((s) => new Map(s.map(([t, v]) => [Math.round(t), Number(v)])));
  const okAt = (t: number): boolean =>
    checks.every((c, i) => {
      const v = lookup[i]?.get(t);
      return v === undefined || Number.isNaN(v) ? c.noData === 'pass' : compare(v, c.op, c.threshold);
    });
  const step = Math.max(1, Math.round(range.stepSeconds));
  const last = range.startS + Math.floor((range.endS - range.startS) / step) * step;
  if (last < range.startS || !okAt(last)) return undefined;
  let first = last;
  while (first - step >= range.startS && okAt(first - step)) first -= step;
  return first * 1000;
}
