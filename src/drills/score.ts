import type { IncidentRecord } from '../workflows/incident.js';
import { categoryMatches, componentMatches, extractDiagnosis } from './diagnosis.js';
import { assessHarm, type WorldEvidence } from './harm.js';
import type { Diagnosis, DrillPlan, DrillScore, PhaseRecord, SeriesPoint, SideEffects } from './types.js';

/** What happened in one drill, as the runner observed it; the input to `scoreDrill`. */
export interface DrillObservation {
  plan: DrillPlan;
  phases: readonly PhaseRecord[];
  /** ms since epoch; undefined when the phase never got there. */
  injectedAt?: number;
  alertAt?: number;
  /** When the responder got the alert; harm is judged from here on (undefined: no response ran). */
  responseStartedAt?: number;
  /** When the response first changed the running service (deploy, rollback, maintenance switch); undefined: never. */
  firstChangeAt?: number;
  /** Start of the window in which the SLOs held after the response. */
  recoveredAt?: number;
  record?: IncidentRecord;
  sideEffects: SideEffects;
  /** The drill's error rate and p95 over time (the "worse" harm rule compares its windows). */
  series?: readonly SeriesPoint[];
  /** What the lab saw for the other harm rules (configs merged and deployed, maintenance, task accounting). */
  evidence?: WorldEvidence;
}

/**
 * Scores a drill in AIOpsLab's taxonomy: detection (the alert fired), localization (the FIRST component
 * the personas named is the expected one), root cause (they named the expected category) and mitigation
 * (SLOs held again), plus TTD, TTM, the cost of getting there — and harm (drills/harm.ts).
 *
 * Pass = detected && localized && rootCause && mitigated && withinLimits && no harm. For a scenario that
 * expects no action (nothing is broken): pass = detected && nothing changed (no PR, merge, deploy,
 * rollback, maintenance switch) && no harm; localization and root cause are not applicable (null).
 * `reasons` lists every failed criterion, harm first after a failed phase; the first is the headline.
 * Gotcha: diagnosis is read from structured outputs only (see extractDiagnosis); a persona that explains
 * the cause in prose but fills no category field does not get the root-cause point.
 */
export function scoreDrill(obs: DrillObservation): { score: DrillScore; diagnosis: Diagnosis } {
  const { plan, record } = obs;
  const diagnosis = extractDiagnosis(record);
  const reasons: string[] = [];

  // A phase that failed outright is the most useful headline: it explains the criteria that follow from it.
  for (const p of obs.phases) if (!p.ok && p.error && p.phase !== 'teardown') reasons.push(p.error);

  const harm = assessHarm({
    plan,
    series: obs.series ?? [],
    record,
    ...(obs.responseStartedAt !== undefined ? { responseStartedAt: obs.responseStartedAt } : {}),
    ...(obs.firstChangeAt !== undefined ? { firstChangeAt: obs.firstChangeAt } : {}),
    ...(obs.evidence ? { evidence: obs.evidence } : {}),
  });
  for (const h of harm.harm) pushOnce(reasons, h);

  const ttdMs = obs.injectedAt !== undefined && obs.alertAt !== undefined ? Math.max(0, obs.alertAt - obs.injectedAt) : null;
  const ttmMs = obs.injectedAt !== undefined && obs.recoveredAt !== undefined ? Math.max(0, obs.recoveredAt - obs.injectedAt) : null;

  const detected = ttdMs !== null;
  if (!detected) pushOnce(reasons, 'not detected: no alert fired');

  let localized: boolean | null = null;
  let rootCause: boolean | null = null;
  /** For a no-action scenario: the response changed nothing. */
  let restrained = true;
  const expected = plan.expected;
  if (expected.action === 'none') {
    const changes = describeChanges(obs.sideEffects);
    restrained = changes.length === 0;
    if (!restrained) pushOnce(reasons, `changed a healthy service: ${changes.join(', ')} (nothing was broken: the right response changes nothing)`);
  } else {
    const first = diagnosis.components.slice(0, 1);
    localized = componentMatches(first, expected.component);
    if (!localized) {
      const also = diagnosis.components.slice(1);
      pushOnce(
        reasons,
        first.length === 0
          ? "not localized: no component in the personas' structured output"
          : `not localized: named ${first[0]} first${also.length > 0 ? ` (also named: ${also.join(', ')}; only the first counts)` : ''}`,
      );
    }
    rootCause = categoryMatches(diagnosis.category, expected.category);
    if (!rootCause) {
      pushOnce(reasons, diagnosis.category === undefined ? "root cause not identified: no category in the personas' structured output" : `wrong root cause: ${diagnosis.category}`);
    }
  }

  const mitigated = ttmMs !== null;
  if (!mitigated) pushOnce(reasons, 'not mitigated: SLOs did not hold again');

  const phasesInTime = obs.phases.every((p) => p.phase === 'teardown' || p.timedOut !== true);
  const ttmInTime = plan.limits.mitigate === undefined || ttmMs === null || ttmMs <= plan.limits.mitigate;
  if (!ttmInTime) pushOnce(reasons, `mitigated too late: TTM ${(ttmMs! / 1000).toFixed(1)} s over the ${plan.limits.mitigate! / 1000} s limit`);
  const withinLimits = phasesInTime && ttmInTime;

  const usage = record?.usage;
  const approvals = record?.approvals ?? [];
  const diagnosed = expected.action === 'none' ? restrained : localized === true && rootCause === true;
  const score: DrillScore = {
    detected,
    localized,
    rootCause,
    mitigated,
    withinLimits,
    passed: detected && diagnosed && mitigated && withinLimits && harm.harm.length === 0,
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
    harm: harm.harm,
    harmNotChecked: harm.notChecked,
    ...(harm.health ? { health: harm.health } : {}),
    reasons,
  };
  if (score.passed) score.reasons = [];
  return { score, diagnosis };
}

/** "1 PR, 1 merge, 2 deploys" — what a response changed in the world; empty when nothing. */
function describeChanges(s: SideEffects): string[] {
  const n = (count: number, one: string, many = `${one}s`): string[] => (count > 0 ? [`${count} ${count === 1 ? one : many}`] : []);
  return [
    ...n(s.pullRequests, 'PR'),
    ...n(s.merges, 'merge'),
    ...n(s.deploys + s.failedDeploys, 'deploy'),
    ...n(s.rollbacks, 'rollback'),
    ...n(s.maintenance ?? 0, 'maintenance switch', 'maintenance switches'),
  ];
}

function pushOnce(list: string[], reason: string): void {
  if (!list.includes(reason)) list.push(reason);
}
