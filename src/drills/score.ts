import type { IncidentRecord } from '../workflows/incident.js';
import { categoryMatches, componentMatches, extractDiagnosis } from './diagnosis.js';
import type { Diagnosis, DrillPlan, DrillScore, PhaseRecord, SideEffects } from './types.js';

/** What happened in one drill, as the runner observed it; the input to `scoreDrill`. */
export interface DrillObservation {
  plan: DrillPlan;
  phases: readonly PhaseRecord[];
  /** ms since epoch; undefined when the phase never got there. */
  injectedAt?: number;
  alertAt?: number;
  /** Start of the window in which the SLOs held after the response. */
  recoveredAt?: number;
  record?: IncidentRecord;
  sideEffects: SideEffects;
}

/**
 * Scores a drill in AIOpsLab's taxonomy: detection (the alert fired), localization (the personas named the
 * expected component), root cause (they named the expected category) and mitigation (SLOs held again), plus
 * TTD, TTM and the cost of getting there (tool calls, tokens, approvals, side effects).
 *
 * Pass = detected && localized && rootCause && mitigated && withinLimits. `reasons` says, in order, every
 * criterion that failed; the first one is the drill's headline reason.
 * Gotcha: diagnosis is read from structured outputs only (see extractDiagnosis); a persona that explains
 * the cause in prose but fills no category field does not get the root-cause point.
 */
export function scoreDrill(obs: DrillObservation): { score: DrillScore; diagnosis: Diagnosis } {
  const { plan, record } = obs;
  const diagnosis = extractDiagnosis(record);
  const reasons: string[] = [];

  // A phase that failed outright is the most useful headline: it explains the criteria that follow from it.
  for (const p of obs.phases) if (!p.ok && p.error && p.phase !== 'teardown') reasons.push(p.error);

  const ttdMs = obs.injectedAt !== undefined && obs.alertAt !== undefined ? Math.max(0, obs.alertAt - obs.injectedAt) : null;
  const ttmMs = obs.injectedAt !== undefined && obs.recoveredAt !== undefined ? Math.max(0, obs.recoveredAt - obs.injectedAt) : null;

  const detected = ttdMs !== null;
  if (!detected) pushOnce(reasons, 'not detected: no alert fired');

  const localized = componentMatches(diagnosis.components, plan.expected.component);
  if (!localized) {
    pushOnce(reasons, diagnosis.components.length === 0 ? 'not localized: no component in the personas\' structured output' : `not localized: named ${diagnosis.components.join(', ')}`);
  }
  const rootCause = categoryMatches(diagnosis.category, plan.expected.category);
  if (!rootCause) {
    pushOnce(reasons, diagnosis.category === undefined ? 'root cause not identified: no category in the personas\' structured output' : `wrong root cause: ${diagnosis.category}`);
  }

  const mitigated = ttmMs !== null;
  if (!mitigated) pushOnce(reasons, 'not mitigated: SLOs did not hold again');

  const phasesInTime = obs.phases.every((p) => p.phase === 'teardown' || p.timedOut !== true);
  const ttmInTime = plan.limits.mitigate === undefined || ttmMs === null || ttmMs <= plan.limits.mitigate;
  if (!ttmInTime) pushOnce(reasons, `mitigated too late: TTM ${(ttmMs! / 1000).toFixed(1)} s over the ${plan.limits.mitigate! / 1000} s limit`);
  const withinLimits = phasesInTime && ttmInTime;

  const usage = record?.usage;
  const approvals = record?.approvals ?? [];
  const score: DrillScore = {
    detected,
    localized,
    rootCause,
    mitigated,
    withinLimits,
    passed: detected && localized && rootCause && mitigated && withinLimits,
    ttdMs,
    ttmMs,
    toolCalls: usage?.toolCalls ?? 0,
    tokens: {
      input: usage?.inputTokens ?? 0,
      output: usage?.outputTokens ?? 0,
      cacheRead: usage?.cacheReadTokens ?? 0,
      total: (usage?.inputTokens ?? 0) + (usage?.outputTokens ?? 0),
    },
    approvals: {
      requested: approvals.length,
      approved: approvals.filter((a) => a.decision?.approved === true).length,
      rejected: approvals.filter((a) => a.decision?.approved === false).length,
    },
    sideEffects: obs.sideEffects,
    reasons,
  };
  if (score.passed) score.reasons = [];
  return { score, diagnosis };
}

function pushOnce(list: string[], reason: string): void {
  if (!list.includes(reason)) list.push(reason);
}
