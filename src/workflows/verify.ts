import { z } from 'zod';
import { sleep } from '../primitives/abort.js';
import type { Context } from '../primitives/types.js';
import { resultText, type ToolSet } from '../tools/types.js';
import type { IncidentContext } from './incident-context.js';
import { promDuration } from './incident-context.js';
import type { CheckResult, VerificationResult } from './outputs.js';

/**
 * Verification after a deploy or rollback: poll the SLO signals through the Prometheus tool until every
 * check has held for `holdSeconds`, or fail when `deadlineSeconds` pass. This is code, not a persona: whether
 * the service recovered is measured, never taken from a model's word.
 */

export const sloCheckSchema = z.strictObject({
  name: z.string().regex(/^[\w.-]+$/, 'letters, digits, _ . -'),
  /** PromQL; `{{service}}`, `{{job}}` and `{{window}}` are filled from the incident. */
  expr: z.string().min(1),
  op: z.enum(['<', '<=', '>', '>=']),
  threshold: z.number(),
  /** What a query with no sample means: fail (default) or pass (e.g. an error ratio with no traffic). */
  noData: z.enum(['fail', 'pass']).default('fail'),
});
export type SloCheck = z.input<typeof sloCheckSchema>;

export const verificationSchema = z.strictObject({
  /** Default: error ratio < 0.1% and p95 latency < 0.5 s over the service's http_* metrics (the seed's SLOs). */
  checks: z.array(sloCheckSchema).min(1).optional(),
  /** Rate window of the default checks, and `{{window}}` in custom ones. */
  window: promDuration.default('1m'),
  holdSeconds: z.number().positive().max(3600).default(60),
  deadlineSeconds: z.number().positive().max(6 * 3600).default(300),
  intervalSeconds: z.number().positive().max(600).default(10),
  /** The PromQL tool (instant queries). */
  tool: z.string().min(1).default('grafana.query_prometheus'),
});
export type VerificationOptions = z.input<typeof verificationSchema>;
export type VerificationSettings = z.output<typeof verificationSchema>;

/** The SLO checks measured once (when the response began): do they hold right now? */
export interface SloStatus {
  healthy: boolean;
  /** The latency target: the threshold of the first p95 check (`histogram_quantile(0.95, ...) < T`), in seconds. */
  p95Seconds?: number;
  checks: { name: string; query: string; value: number | null; op: string; threshold: number; ok: boolean }[];
}

/** Thrown when the checks did not hold before the deadline; carries what was measured. */
export class VerificationFailedError extends Error {
  override readonly name = 'VerificationFailedError';
  constructor(readonly result: VerificationResult) {
    super(`verification of the ${result.target} failed: ${describeChecks(result.checks)} (held ${result.heldSeconds.toFixed(0)} s of the required time by the deadline)`);
  }
}

/** The seed's SLOs: error ratio under 0.1% and p95 latency under 500 ms, for the incident's service. */
export function defaultChecks(): SloCheck[] {
  const sel = (extra: string): string => `{service="{{service}}"${extra}}`;
  return [
    {
      name: 'error-rate',
      expr: `(sum(rate(http_requests_total${sel(',status=~"5.."')}[{{window}}])) or vector(0)) / sum(rate(http_requests_total${sel('')}[{{window}}]))`,
      op: '<',
      threshold: 0.001,
    },
    {
      name: 'p95-latency-seconds',
      expr: `histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket${sel('')}[{{window}}])))`,
      op: '<',
      threshold: 0.5,
    },
  ];
}

/**
 * The settings with `extra` checks after the SLO checks (a fix's expected effect), and the deadline cut to
 * `maxSeconds` (what is left of the incident's time budget).
 */
export function withChecks(settings: VerificationSettings, extra: readonly SloCheck[], maxSeconds = Number.POSITIVE_INFINITY): VerificationSettings {
  const deadlineSeconds = Math.max(1, Math.min(settings.deadlineSeconds, maxSeconds));
  if (extra.length === 0) return { ...settings, deadlineSeconds };
  return { ...settings, deadlineSeconds, checks: [...(settings.checks ?? defaultChecks()), ...extra].map((c) => sloCheckSchema.parse(c)) };
}

/** The checks with the incident's service, job and window filled in. */
export function resolveChecks(settings: VerificationSettings, incident: IncidentContext): z.output<typeof sloCheckSchema>[] {
  const checks = (settings.checks ?? defaultChecks()).map((c) => sloCheckSchema.parse(c));
  const fill = (expr: string): string =>
    expr
      .replace(/\{\{\s*service\s*\}\}/g, incident.service ?? '')
      .replace(/\{\{\s*job\s*\}\}/g, incident.job ?? incident.service ?? '')
      .replace(/\{\{\s*window\s*\}\}/g, settings.window)
      // A check written for a labelled service still works for an alert without one: drop the empty matcher.
      .replace(/service="",?|job="",?/g, '')
      .replace(/\{,?\}/g, '');
  return checks.map((c) => ({ ...c, expr: fill(c.expr) }));
}

/**
 * Polls until the checks hold for the hold time (resolves) or the deadline passes (VerificationFailedError).
 * Each poll is a 'verify.poll' event with the measured values; tool calls go through `tools` with `ctx`, so
 * they are guarded by the tool host's circuit breakers and appear in the run's events.
 */
export async function verifySlos(
  target: VerificationResult['target'],
  incident: IncidentContext,
  settings: VerificationSettings,
  tools: ToolSet,
  ctx: Context,
): Promise<VerificationResult> {
  const checks = resolveChecks(settings, incident);
  const started = Date.now();
  const deadline = started + settings.deadlineSeconds * 1000;
  const worst: Record<string, number | null> = {};
  let heldSince: number | undefined;
  let polls = 0;
  let last: CheckResult[] = [];
  ctx.emit('verify.start', { target, checks: checks.map((c) => ({ name: c.name, query: c.expr, op: c.op, threshold: c.threshold })), holdSeconds: settings.holdSeconds, deadlineSeconds: settings.deadlineSeconds });
  for (;;) {
    const at = Date.now();
    last = await measureChecks(checks, settings.tool, tools, ctx);
    polls++;
    for (const r of last) worst[r.name] = worstOf(worst[r.name], r);
    const ok = last.every((r) => r.ok);
    heldSince = ok ? (heldSince ?? at) : undefined;
    const held = heldSince === undefined ? 0 : (at - heldSince) / 1000;
    ctx.emit('verify.poll', { target, poll: polls, ok, heldSeconds: held, checks: last.map((r) => ({ name: r.name, value: r.value ?? null, ok: r.ok })) });
    const result = (healthy: boolean): VerificationResult => ({
      target, healthy, heldSeconds: held, polls, startedAt: new Date(started).toISOString(), endedAt: new Date().toISOString(), checks: last, worst,
    });
    if (ok && held >= settings.holdSeconds) {
      ctx.emit('verify.end', { target, healthy: true, heldSeconds: held, polls });
      return result(true);
    }
    const next = Date.now() + settings.intervalSeconds * 1000;
    if (next > deadline) {
      const failed = result(false);
      ctx.emit('verify.end', { target, healthy: false, heldSeconds: held, polls, checks: last.map((r) => ({ name: r.name, value: r.value ?? null, ok: r.ok })) });
      throw new VerificationFailedError(failed);
    }
    await sleep(settings.intervalSeconds * 1000, ctx.signal);
  }
}

/** Measures each check once (an instant query per check, in parallel): the SLOs' state right now. */
export function measureChecks(checks: readonly z.output<typeof sloCheckSchema>[], tool: string, tools: ToolSet, ctx: Context): Promise<CheckResult[]> {
  return Promise.all(checks.map((c) => measure(c, tool, tools, ctx)));
}

async function measure(check: z.output<typeof sloCheckSchema>, tool: string, tools: ToolSet, ctx: Context): Promise<CheckResult> {
  const base = { name: check.name, query: check.expr, op: check.op, threshold: check.threshold };
  const result = await tools.call(tool, { expr: check.expr, queryType: 'instant' }, { ctx, signal: ctx.signal });
  const value = result.isError ? undefined : sampleValue(result.structuredContent ?? parseJson(resultText(result)));
  if (value === undefined) return { ...base, value, ok: check.noData === 'pass' };
  return { ...base, value, ok: compare(value, check.op, check.threshold) };
}

/** The first sample of an instant-query answer (`{ result: [{ value: [t, "v"] }] }`), or undefined. */
export function sampleValue(data: unknown): number | undefined {
  const result = (data as { result?: unknown } | undefined)?.result;
  const first = Array.isArray(result) ? (result[0] as { value?: unknown } | undefined) : undefined;
  const raw = Array.isArray(first?.value) ? first.value[1] : undefined;
  const n = typeof raw === 'number' ? raw : typeof raw === 'string' ? Number(raw) : Number.NaN;
  return Number.isFinite(n) ? n : undefined;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Whether a measured value satisfies a check's comparison. */
export function holdsCheck(v: number, op: CheckResult['op'], t: number): boolean {
  return compare(v, op, t);
}

function compare(v: number, op: CheckResult['op'], t: number): boolean {
  return op === '<' ? v < t : op === '<=' ? v <= t : op === '>' ? v > t : v >= t;
}

/** For `<` checks the worst is the highest value; for `>` checks the lowest; no data is null. */
function worstOf(previous: number | null | undefined, r: CheckResult): number | null {
  if (r.value === undefined) return previous ?? null;
  if (previous === undefined || previous === null) return r.value;
  return r.op.startsWith('<') ? Math.max(previous, r.value) : Math.min(previous, r.value);
}

export function describeChecks(checks: readonly CheckResult[]): string {
  return checks.map((c) => `${c.name}=${c.value === undefined ? 'no data' : round(c.value)} (want ${c.op} ${c.threshold})${c.ok ? '' : ' FAILING'}`).join(', ');
}

function round(v: number): string {
  return Math.abs(v) >= 100 ? v.toFixed(0) : Number(v.toPrecision(3)).toString();
}
