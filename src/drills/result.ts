import type { Alert } from '../workflows/alert.js';
import type { IncidentRecord } from '../workflows/incident.js';
import { collectMarkers, countSideEffects, firstChange, type RolloutEvent } from './markers.js';
import type { ForgeEvent } from '../lab/forge/events.js';
import type { WorldEvidence } from './harm.js';
import { scoreDrill } from './score.js';
import type { DrillPlan, DrillResult, PhaseRecord, SeriesPoint } from './types.js';

/** Everything the runner gathered about one drill. */
export interface DrillFacts {
  plan: DrillPlan;
  model: string;
  startedAt: number;
  endedAt: number;
  cancelled: boolean;
  phases: PhaseRecord[];
  /** When the response phase began: forge and deploy activity before it is lab setup (or the fault itself). */
  responseStartedAt?: number;
  injectedAt?: number;
  alertAt?: number;
  recoveredAt?: number;
  alert?: Alert;
  record?: IncidentRecord;
  series: SeriesPoint[];
  forgeEvents: readonly ForgeEvent[];
  rollouts: readonly RolloutEvent[];
  /** What the lab saw for the harm rules (configs merged and deployed, maintenance switches, task accounting). */
  evidence?: WorldEvidence;
}

const withFirstChange = (at: number | undefined): { firstChangeAt?: number } => (at === undefined ? {} : { firstChangeAt: at });

const iso = (ms: number | undefined): string | undefined => (ms === undefined ? undefined : new Date(ms).toISOString());

/**
 * Turns the runner's facts into a scored DrillResult — the one object every report is rendered from.
 * Separate from the runner so a recorded incident and series can be scored and rendered without a lab.
 */
export function buildDrillResult(f: DrillFacts): DrillResult {
  const moments = { injectedAt: f.injectedAt, alertAt: f.alertAt, recoveredAt: f.recoveredAt };
  // Markers show all activity after injection (a bad-deploy fault is itself a deploy); side effects count
  // only what the response did.
  const maintenance = f.evidence?.maintenance ?? [];
  const markers = collectMarkers({ ...moments, since: f.injectedAt ?? f.startedAt }, f.forgeEvents, f.rollouts, maintenance);
  const sideEffects = countSideEffects(f.forgeEvents, f.rollouts, f.responseStartedAt ?? Number.POSITIVE_INFINITY, maintenance);
  const { score, diagnosis } = scoreDrill({
    plan: f.plan,
    phases: f.phases,
    ...moments,
    ...(f.responseStartedAt !== undefined ? { responseStartedAt: f.responseStartedAt } : {}),
    ...(f.responseStartedAt !== undefined ? withFirstChange(firstChange(f.rollouts, maintenance, f.responseStartedAt)) : {}),
    record: f.record,
    sideEffects,
    series: f.series,
    ...(f.evidence ? { evidence: f.evidence } : {}),
  });
  if (f.cancelled && !score.reasons.includes('cancelled')) score.reasons.unshift('cancelled');
  const passed = score.passed && !f.cancelled;
  const result: DrillResult = {
    scenario: f.plan.name,
    title: f.plan.title,
    model: f.record?.model ?? f.model,
    passed,
    cancelled: f.cancelled,
    startedAt: iso(f.startedAt)!,
    endedAt: iso(f.endedAt)!,
    phases: f.phases,
    limits: f.plan.limits,
    expected: f.plan.expected,
    diagnosis,
    score: { ...score, passed },
    series: f.series,
    markers,
  };
  if (!passed) result.reason = score.reasons[0] ?? 'drill failed';
  if (f.injectedAt !== undefined) result.injectedAt = iso(f.injectedAt)!;
  if (f.alertAt !== undefined) result.alertAt = iso(f.alertAt)!;
  if (f.recoveredAt !== undefined) result.recoveredAt = iso(f.recoveredAt)!;
  if (f.alert) result.alert = f.alert;
  if (f.record) result.record = f.record;
  return result;
}
