import { setTimeout as sleep } from 'node:timers/promises';
import type { Scenario, ScenarioAlert, SloCheck } from '../drills/scenario-schema.js';
import { LabWaitTimeoutError } from './lab-errors.js';
import type { PromAlert, PrometheusApi } from './prometheus/api.js';
import type { AlertRuleInput } from './prometheus/config.js';

/** The scenario's alerts as Prometheus alerting rules (severity becomes a label, summary an annotation). */
export function alertRules(alerts: readonly ScenarioAlert[]): AlertRuleInput[] {
  return alerts.map((a) => ({
    name: a.name,
    expr: a.expr,
    for: `${a.for}ms`,
    labels: { ...a.labels, severity: a.severity },
    annotations: { summary: a.summary, ...(a.description ? { description: a.description } : {}) },
  }));
}

/** One SLO check, evaluated once. `value` is undefined when the query returned nothing. */
export interface SloResult {
  readonly name: string;
  readonly expr: string;
  readonly op: SloCheck['op'];
  readonly threshold: number;
  readonly value: number | undefined;
  readonly ok: boolean;
}

export interface SloReport {
  /** Every check passed at `at`. */
  readonly ok: boolean;
  readonly at: string;
  readonly checks: readonly SloResult[];
  /** For waitForSlos: how long the checks had held when it returned, ms. */
  readonly heldForMs?: number;
}

const compare = (value: number, op: SloCheck['op'], threshold: number): boolean =>
  op === '<' ? value < threshold : op === '<=' ? value <= threshold : op === '>' ? value > threshold : value >= threshold;

/** Evaluates every SLO check once (instant queries). NaN (0/0: no traffic) counts as no data. */
export async function checkSlos(prom: PrometheusApi, checks: readonly SloCheck[]): Promise<SloReport> {
  const results = await Promise.all(
    checks.map(async (c): Promise<SloResult> => {
      const raw = await prom.queryValue(c.expr);
      const value = raw === undefined || Number.isNaN(raw) ? undefined : raw;
      const ok = value === undefined ? c.noData === 'pass' : compare(value, c.op, c.threshold);
      return { name: c.name, expr: c.expr, op: c.op, threshold: c.threshold, value, ok };
    }),
  );
  return { ok: results.every((r) => r.ok), at: new Date().toISOString(), checks: results };
}

/**
 * Polls the SLO checks every second until all of them have held for `holdSeconds` in a row; any miss
 * restarts the clock. Throws `LabWaitTimeoutError` (with the last report) after `timeoutMs`, or the
 * signal's reason when aborted.
 */
export async function waitForSlos(prom: PrometheusApi, checks: readonly SloCheck[], o: { holdSeconds: number; timeoutMs: number; signal?: AbortSignal }): Promise<SloReport> {
  const deadline = Date.now() + o.timeoutMs;
  let heldSince: number | undefined;
  let last: SloReport | undefined;
  for (;;) {
    o.signal?.throwIfAborted();
    last = await checkSlos(prom, checks).catch((err: unknown) => ({ ok: false, at: new Date().toISOString(), checks: [], error: (err as Error).message }) as SloReport);
    const now = Date.now();
    if (last.ok) {
      heldSince ??= now;
      if (now - heldSince >= o.holdSeconds * 1000) return { ...last, heldForMs: now - heldSince };
    } else {
      heldSince = undefined;
    }
    if (now >= deadline) throw new LabWaitTimeoutError('SLOs to hold', o.timeoutMs, describe(last));
    await sleep(1_000, undefined, o.signal ? { signal: o.signal } : {});
  }
}

function describe(report: SloReport): string {
  if (report.checks.length === 0) return 'no SLO data';
  return report.checks.map((c) => `${c.name}=${c.value === undefined ? 'no data' : round(c.value)} (want ${c.op} ${c.threshold})${c.ok ? '' : ' FAILING'}`).join(', ');
}

const round = (v: number): string => (Math.abs(v) >= 100 ? v.toFixed(0) : v.toPrecision(3));

/**
 * Polls Prometheus' /api/v1/alerts every second until one of `names` is firing; returns it exactly as
 * Prometheus reports it. When several fire at once, the most severe wins. Throws `LabWaitTimeoutError`
 * naming the pending alerts after `timeoutMs`, or the signal's reason when aborted.
 */
export async function waitForAlert(prom: PrometheusApi, names: readonly string[], o: { timeoutMs: number; signal?: AbortSignal }): Promise<PromAlert> {
  const deadline = Date.now() + o.timeoutMs;
  const rank = (a: PromAlert): number => ['critical', 'warning', 'info'].indexOf(a.labels.severity ?? 'info');
  let pending: string[] = [];
  for (;;) {
    o.signal?.throwIfAborted();
    const alerts = (await prom.alerts().catch(() => [] as PromAlert[])).filter((a) => names.includes(a.labels.alertname ?? ''));
    const firing = alerts.filter((a) => a.state === 'firing').sort((a, b) => rank(a) - rank(b));
    if (firing[0]) return firing[0];
    pending = alerts.filter((a) => a.state === 'pending').map((a) => `${a.labels.alertname} (pending since ${a.activeAt})`);
    if (Date.now() >= deadline) throw new LabWaitTimeoutError(`an alert (${names.join(', ')}) to fire`, o.timeoutMs, pending.length ? pending.join(', ') : 'nothing pending');
    await sleep(1_000, undefined, o.signal ? { signal: o.signal } : {});
  }
}

/** One point of the drill chart: the same shape as the drill report's SeriesPoint. */
export interface LabSeriesPoint {
  /** Unix milliseconds. */
  readonly t: number;
  readonly errorRate: number | null;
  readonly p95Seconds: number | null;
}

/** The default chart queries: what users saw at the ingress. */
export const DEFAULT_SERIES = {
  // `or vector(0)`: with no failed request at all the numerator is empty, and the ratio would be no data.
  errorRate: '(sum(rate(ingress_http_requests_total{status=~"5..|499"}[5s])) or vector(0)) / sum(rate(ingress_http_requests_total[5s]))',
  p95Seconds: 'histogram_quantile(0.95, sum by (le) (rate(ingress_http_request_duration_seconds_bucket[5s])))',
} as const;

/** Error rate and p95 from `start` to `end` (range queries, one point per `stepSeconds`). */
export async function querySeries(prom: PrometheusApi, scenario: Scenario, o: { start: Date; end: Date; stepSeconds: number }): Promise<LabSeriesPoint[]> {
  // Aligned to the step, so both series share the same timestamps and the grid is regular.
  const step = Math.max(1, Math.round(o.stepSeconds));
  const startS = Math.floor(o.start.getTime() / 1000 / step) * step;
  const endS = Math.floor(o.end.getTime() / 1000 / step) * step;
  const range = { start: startS, end: Math.max(startS, endS), stepSeconds: step };
  const [errors, p95] = await Promise.all([
    prom.queryRange(scenario.series.errorRate ?? DEFAULT_SERIES.errorRate, range),
    prom.queryRange(scenario.series.p95Seconds ?? DEFAULT_SERIES.p95Seconds, range),
  ]);
  const byTime = new Map<number, { errorRate: number | null; p95Seconds: number | null }>();
  const put = (series: typeof errors, key: 'errorRate' | 'p95Seconds'): void => {
    for (const [t, v] of series[0]?.values ?? []) {
      const n = Number(v);
      const point = byTime.get(t) ?? { errorRate: null, p95Seconds: null };
      point[key] = Number.isFinite(n) ? n : null;
      byTime.set(t, point);
    }
  };
  put(errors, 'errorRate');
  put(p95, 'p95Seconds');
  const points: LabSeriesPoint[] = [];
  for (let t = range.start; t <= range.end; t += step) {
    const p = byTime.get(t);
    points.push({ t: t * 1000, errorRate: p?.errorRate ?? null, p95Seconds: p?.p95Seconds ?? null });
  }
  return points;
}
