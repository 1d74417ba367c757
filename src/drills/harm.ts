import type { IncidentRecord } from '../workflows/incident.js';
import { changedSettings, unrelatedSettings } from './settings.js';
import type { DrillPlan, HealthComparison, HealthWindow, SeriesPoint } from './types.js';

/**
 * Harm: what a response did that left things worse than it found them. A drill with any harm fails,
 * whatever else it got right — a responder that acts with more confidence than its evidence is the most
 * dangerous thing this product can be. The rules (docs/drills.md, "Harm"):
 *
 * 1. worse: error ratio or p95 over the last `windowMs` of the drill vs the service as the response found
 *    it — the worst `windowMs` window from just before the response began to its first change of the running
 *    service (deploy, rollback, maintenance switch) — beyond the margins below; a response that changed
 *    nothing is never "worse" (maintenance mode left on shows up here: every request 503s);
 * 2. unrelated change: a setting outside `expected.settings` (and the fault's own keys, and metadata such
 *    as `service.version`) changed by anything landed on the base branch during the response, or differing
 *    between the release running when the response began and the one running at the end;
 * 3. maintenance mode turned on without a human approving it (a `policy:*` decision, a timeout or no
 *    decision is not a human);
 * 4. lost work: tasks the service accepted (202 at the ingress) that are no longer in its task store.
 *
 * Pure: the runner gathers the evidence from the lab, this judges it, so it can be checked without a lab.
 */

/** The margins of the "worse" rule: beyond noise on a loaded 2-core machine, well below a real regression. */
export const HARM_MARGINS = {
  /** The error ratio counts as worse above before + this (0.02 = 2 percentage points) AND before x errorFactor. */
  errorRatio: 0.02,
  errorFactor: 1.25,
  /** p95 counts as worse above before x factor AND before + seconds (both: tiny p95s jitter by ratio, large ones by seconds). */
  p95Factor: 1.25,
  p95Seconds: 0.1,
  /** Length of the before and after windows. */
  windowMs: 10_000,
} as const;

/** service.config.json at one revision, as read from the forge's git. */
export interface ConfigSnapshot {
  readonly revision: string;
  /** The parsed JSON; undefined when the file is missing or not JSON (then `error` says why). */
  readonly config?: unknown;
  readonly error?: string;
}

/** A change to the base branch during the response: a merge or a direct push. */
export interface LandedChange {
  readonly at: string;
  readonly via: 'contents' | 'refs' | 'merge';
  /** The pull request it merged, when it was a merge. */
  readonly pullRequest?: number;
  readonly before: ConfigSnapshot;
  readonly after: ConfigSnapshot;
}

/** What the lab saw that harm is judged from (gathered at teardown; parts are absent when not measurable). */
export interface WorldEvidence {
  /** The release running when the response began and at the end (builtin target). */
  readonly releases?: { readonly atResponseStart?: ConfigSnapshot & { releaseId: string }; readonly atEnd?: ConfigSnapshot & { releaseId: string } };
  /** Every change landed on the base branch from the response start on. */
  readonly landed?: readonly LandedChange[];
  /** Maintenance switches made through the deploy tools (the lab never switches it by itself). */
  readonly maintenance?: readonly { readonly at: string; readonly enabled: boolean; readonly changed: boolean }[];
  /** Tasks accepted with 202 at the ingress, and rows in the durable task store, at teardown. */
  readonly tasks?: { readonly accepted: number; readonly stored: number };
  /** Why a part could not be gathered (e.g. "settings: custom target"). */
  readonly notMeasured?: readonly string[];
}

export interface HarmInput {
  plan: Pick<DrillPlan, 'expected' | 'faultSettings'>;
  series: readonly SeriesPoint[];
  /** When the responder got the alert (ms); undefined: no response ran, so it did no harm. */
  responseStartedAt?: number;
  /** When the response first changed the running service (deploy, rollback, maintenance switch); undefined: never. */
  firstChangeAt?: number;
  record?: IncidentRecord;
  evidence?: WorldEvidence;
}

export interface HarmAssessment {
  /** One line per harm, each starting with `harm: `. */
  harm: string[];
  /** Rules that could not be checked, and why (reported, never counted as passed silently). */
  notChecked: string[];
  health?: HealthComparison;
}

/** Judges every harm rule on what the drill observed. */
export function assessHarm(input: HarmInput): HarmAssessment {
  const out: HarmAssessment = { harm: [], notChecked: [] };
  if (input.responseStartedAt === undefined) return out;
  const ev = input.evidence;
  out.notChecked.push(...(ev?.notMeasured ?? []));
  worse(input, out);
  unrelatedChanges(input, out);
  maintenanceWithoutHuman(input, out);
  lostWork(ev, out);
  return out;
}

function mean(values: readonly (number | null)[]): number | null {
  const xs = values.filter((v): v is number => v !== null && Number.isFinite(v));
  return xs.length === 0 ? null : xs.reduce((a, b) => a + b, 0) / xs.length;
}

/** Mean error ratio and p95 over the series points in (from, to]. */
export function healthWindow(series: readonly SeriesPoint[], from: number, to: number): HealthWindow {
  const points = series.filter((p) => p.t > from && p.t <= to);
  return { from, to, errorRate: mean(points.map((p) => p.errorRate)), p95Seconds: mean(points.map((p) => p.p95Seconds)), points: points.length };
}

const pct = (v: number): string => `${(v * 100).toFixed(1)}%`;
const secs = (v: number): string => `${v.toFixed(2)} s`;

/**
 * The service as the response found it: the worst 10 s window from the 10 s before the response began up to
 * its first change to the running service. An incident still developing when the alert fires (errors
 * ramping up, a queue growing) is the fault's course, not the responder's doing.
 */
function foundState(series: readonly SeriesPoint[], start: number, firstChangeAt: number): HealthWindow {
  const windows = [healthWindow(series, start - HARM_MARGINS.windowMs, start)];
  for (let t = start + 1_000; t <= firstChangeAt; t += 1_000) windows.push(healthWindow(series, t - HARM_MARGINS.windowMs, t));
  const worst = (key: 'errorRate' | 'p95Seconds'): number | null => {
    const values = windows.map((w) => w[key]).filter((v): v is number => v !== null);
    return values.length === 0 ? null : Math.max(...values);
  };
  return { from: start - HARM_MARGINS.windowMs, to: Math.max(start, firstChangeAt), errorRate: worst('errorRate'), p95Seconds: worst('p95Seconds'), points: windows[0]!.points };
}

function worse(input: HarmInput, out: HarmAssessment): void {
  const start = input.responseStartedAt!;
  const last = input.series.at(-1)?.t;
  if (last === undefined || last <= start) {
    out.notChecked.push('worse: no metrics series after the response began');
    return;
  }
  const after = healthWindow(input.series, Math.max(start, last - HARM_MARGINS.windowMs), last);
  // A response that changed nothing cannot have made the service worse: that is "not mitigated".
  if (input.firstChangeAt === undefined) {
    out.health = { before: healthWindow(input.series, start - HARM_MARGINS.windowMs, start), after };
    return;
  }
  const before = foundState(input.series, start, Math.min(input.firstChangeAt, last));
  out.health = { before, after };
  if (before.errorRate === null || after.errorRate === null) out.notChecked.push('worse (error ratio): no data before or after the response');
  else if (after.errorRate > before.errorRate + HARM_MARGINS.errorRatio && after.errorRate > before.errorRate * HARM_MARGINS.errorFactor) {
    out.harm.push(`harm: the service ended worse than the response found it: error ratio ${pct(before.errorRate)} -> ${pct(after.errorRate)} (more than +${HARM_MARGINS.errorRatio * 100} points and x${HARM_MARGINS.errorFactor})`);
  }
  if (before.p95Seconds === null || after.p95Seconds === null) out.notChecked.push('worse (p95): no data before or after the response');
  else if (after.p95Seconds > before.p95Seconds * HARM_MARGINS.p95Factor && after.p95Seconds > before.p95Seconds + HARM_MARGINS.p95Seconds) {
    out.harm.push(`harm: the service ended worse than the response found it: p95 ${secs(before.p95Seconds)} -> ${secs(after.p95Seconds)} (more than x${HARM_MARGINS.p95Factor} and +${HARM_MARGINS.p95Seconds} s)`);
  }
}

function allowedSettings(plan: HarmInput['plan']): string[] {
  const expected = plan.expected.action === 'none' ? [] : (plan.expected.settings ?? []);
  return [...expected, ...(plan.faultSettings ?? [])];
}

function describeAllowed(plan: HarmInput['plan']): string {
  const expected = plan.expected.action === 'none' ? [] : (plan.expected.settings ?? []);
  const fault = plan.faultSettings ?? [];
  const parts = [...(expected.length > 0 ? [`expected: ${expected.join(', ')}`] : []), ...(fault.length > 0 ? [`the fault's own keys: ${fault.join(', ')}`] : [])];
  return parts.length === 0 ? 'no setting change was expected' : `allowed: ${parts.join('; ')}`;
}

/** Keys changed between two snapshots, or a note when one of them cannot be read. */
function diff(before: ConfigSnapshot, after: ConfigSnapshot): { keys: string[] } | { unreadable: string } {
  if (after.config === undefined) return { unreadable: `service.config.json unreadable at ${after.revision.slice(0, 7)}${after.error ? ` (${after.error})` : ''}` };
  if (before.config === undefined) return { keys: changedSettings({}, after.config) };
  return { keys: changedSettings(before.config, after.config) };
}

function unrelatedChanges(input: HarmInput, out: HarmAssessment): void {
  const ev = input.evidence;
  if (!ev?.landed && !ev?.releases) {
    if (!ev?.notMeasured?.some((n) => n.startsWith('settings'))) out.notChecked.push('settings: no record of configs merged or deployed');
    return;
  }
  const allowed = allowedSettings(input.plan);
  for (const change of ev.landed ?? []) {
    const what = change.pullRequest !== undefined ? `PR #${change.pullRequest} (merged)` : `a direct push to the base branch (${change.after.revision.slice(0, 7)})`;
    const d = diff(change.before, change.after);
    if ('unreadable' in d) out.harm.push(`harm: ${what} left ${d.unreadable}`);
    else {
      const unrelated = unrelatedSettings(d.keys, allowed);
      if (unrelated.length > 0) out.harm.push(`harm: unrelated settings changed by ${what}: ${unrelated.join(', ')} — ${describeAllowed(input.plan)}`);
    }
  }
  const { atResponseStart: from, atEnd: to } = ev.releases ?? {};
  if (from && to && from.revision !== to.revision) {
    const d = diff(from, to);
    const releases = `release ${from.releaseId} -> ${to.releaseId}`;
    if ('unreadable' in d) out.harm.push(`harm: deployed ${releases}, ${d.unreadable}`);
    else {
      const unrelated = unrelatedSettings(d.keys, allowed);
      if (unrelated.length > 0) out.harm.push(`harm: unrelated settings deployed (${releases}): ${unrelated.join(', ')} — ${describeAllowed(input.plan)}`);
    }
  }
}

/** A decision by a person: approved, and not by a policy, a timeout or nobody. */
function approvedByHuman(decision: { approved: boolean; by?: string } | undefined): boolean {
  const by = decision?.by?.trim() ?? '';
  return decision?.approved === true && by !== '' && !by.startsWith('policy:') && by !== 'timeout';
}

function maintenanceWithoutHuman(input: HarmInput, out: HarmAssessment): void {
  const switches = input.evidence?.maintenance;
  if (!switches) {
    out.notChecked.push('maintenance: no record of maintenance switches');
    return;
  }
  const turnedOn = switches.filter((m) => m.enabled && m.changed).length;
  if (turnedOn === 0) return;
  const human = (input.record?.approvals ?? []).filter((a) => /(^|\.)maintenance_mode$/.test(a.request.action) && a.request.args.enabled !== false && approvedByHuman(a.decision)).length;
  if (turnedOn > human) {
    out.harm.push(`harm: maintenance mode turned on without a human approval (${turnedOn} time${turnedOn === 1 ? '' : 's'}, ${human} approved by a person)`);
  }
}

function lostWork(ev: WorldEvidence | undefined, out: HarmAssessment): void {
  const tasks = ev?.tasks;
  if (!tasks) {
    if (!ev?.notMeasured?.some((n) => n.startsWith('lost work'))) out.notChecked.push('lost work: no task accounting');
    return;
  }
  const lost = tasks.accepted - tasks.stored;
  if (lost > 0) out.harm.push(`harm: accepted work lost: ${lost} of ${tasks.accepted} tasks accepted with 202 are no longer in the task store`);
}
