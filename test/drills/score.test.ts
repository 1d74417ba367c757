import { describe, expect, it } from 'vitest';
import { buildDrillResult } from '../../src/drills/result.js';
import { scoreDrill } from '../../src/drills/score.js';
import { categoryMatches, componentMatches, extractDiagnosis } from '../../src/drills/diagnosis.js';
import type { IncidentRecord } from '../../src/workflows/incident.js';
import { poolExhaustionFacts } from './helpers.js';

const noEffects = { pullRequests: 0, merges: 0, deploys: 0, failedDeploys: 0, rollbacks: 0 };

function withOutputs(outputs: Record<string, unknown>): IncidentRecord {
  const record = poolExhaustionFacts().record!;
  return { ...record, outputs };
}

describe('scoreDrill', () => {
  it('passes a drill that detected, localized, found the root cause and mitigated in time', () => {
    const f = poolExhaustionFacts();
    const result = buildDrillResult(f);
    expect(result.passed).toBe(true);
    expect(result.reason).toBeUndefined();
    expect(result.score).toMatchObject({ detected: true, localized: true, rootCause: true, mitigated: true, withinLimits: true, ttdMs: 21_000, ttmMs: f.recoveredAt! - f.injectedAt!, toolCalls: 12 });
    expect(result.score.approvals).toEqual({ requested: 1, approved: 1, rejected: 0 });
    // The lab's initial deploy of main (before the response) is setup, not a side effect.
    expect(result.score.sideEffects).toEqual({ pullRequests: 1, merges: 1, deploys: 1, failedDeploys: 0, rollbacks: 0 });
    expect(result.diagnosis).toEqual({ category: 'resource-exhaustion', components: ['db-pool'], source: 'outputs.backend.rootCause.category' });
    expect(result.markers.map((m) => m.kind)).toEqual(['fault', 'alert', 'pr', 'merge', 'deploy', 'recovery']);
  });

  it('fails on a wrong root cause and names what was stated', () => {
    const f = poolExhaustionFacts();
    f.record = withOutputs({ backend: { rootCause: { category: 'bad-deploy', component: 'db-pool' } } });
    const result = buildDrillResult(f);
    expect(result.passed).toBe(false);
    expect(result.score.localized).toBe(true);
    expect(result.score.rootCause).toBe(false);
    expect(result.reason).toBe('wrong root cause: bad-deploy');
  });

  it('does not score prose: a cause explained only in free text is not identified', () => {
    const { score } = scoreDrill({
      plan: poolExhaustionFacts().plan, phases: [], injectedAt: 0, alertAt: 1, recoveredAt: 2, sideEffects: noEffects,
      record: withOutputs({ observability: { summary: 'resource-exhaustion of the db-pool', rootCauseHypothesis: 'resource-exhaustion in db-pool' } }),
    });
    expect(score.rootCause).toBe(false);
    expect(score.localized).toBe(false);
    expect(score.reasons).toEqual([
      "not localized: no component in the personas' structured output",
      "root cause not identified: no category in the personas' structured output",
    ]);
  });

  it('reports not detected and not mitigated when the alert never fired, with the phase timeout first', () => {
    const f = poolExhaustionFacts();
    delete f.alertAt; delete f.recoveredAt; delete f.record; delete f.responseStartedAt;
    f.phases = [{ phase: 'detect', startedAt: '', endedAt: '', durationMs: 60_000, ok: false, timedOut: true, error: 'detect phase exceeded its 60 s limit: no alert fired' }];
    const result = buildDrillResult(f);
    expect(result.passed).toBe(false);
    expect(result.reason).toBe('detect phase exceeded its 60 s limit: no alert fired');
    expect(result.score).toMatchObject({ detected: false, mitigated: false, withinLimits: false, ttdMs: null, ttmMs: null, toolCalls: 0 });
    expect(result.score.reasons).toContain('not detected: no alert fired');
    expect(result.model).toBe('playbook (no LLM)');
  });

  it('fails a mitigation that came after the scenario limit', () => {
    const f = poolExhaustionFacts();
    f.plan.limits.mitigate = 30_000;
    const result = buildDrillResult(f);
    expect(result.score.mitigated).toBe(true);
    expect(result.score.withinLimits).toBe(false);
    expect(result.reason).toMatch(/^mitigated too late: TTM \d+\.\d s over the 30 s limit$/);
  });

  it('never passes a cancelled drill', () => {
    const f = poolExhaustionFacts();
    f.cancelled = true;
    const result = buildDrillResult(f);
    expect(result.passed).toBe(false);
    expect(result.reason).toBe('cancelled');
  });
});

describe('extractDiagnosis', () => {
  it('prefers the last persona and the most specific field', () => {
    const d = extractDiagnosis(withOutputs({
      observability: { category: 'network', component: 'load-balancer' },
      backend: { fix: { root_cause: { category: 'Resource Exhaustion', components: ['workflows-api/db-pool', 'x', 'y', 'z'] } } },
    }));
    expect(d).toEqual({ category: 'Resource Exhaustion', components: ['workflows-api/db-pool', 'x', 'y'], source: 'outputs.backend.fix.root_cause.category' });
  });

  it('keeps an earlier component when a later persona only states a category', () => {
    const d = extractDiagnosis(withOutputs({ observability: { component: 'db-pool' }, backend: { rootCauseCategory: 'resource-exhaustion' } }));
    expect(d.category).toBe('resource-exhaustion');
    expect(d.components).toEqual(['db-pool']);
  });

  it('returns nothing for no record', () => {
    expect(extractDiagnosis(undefined)).toEqual({ components: [] });
  });
});

describe('matching', () => {
  it('compares categories canonically', () => {
    expect(categoryMatches('ResourceExhaustion', 'resource-exhaustion')).toBe(true);
    expect(categoryMatches('resource_exhaustion ', 'resource-exhaustion')).toBe(true);
    expect(categoryMatches('resource', 'resource-exhaustion')).toBe(false);
    expect(categoryMatches(undefined, 'resource-exhaustion')).toBe(false);
  });

  it('accepts a qualified component but not a prefix of it', () => {
    expect(componentMatches(['workflows-api/db-pool'], 'db-pool')).toBe(true);
    expect(componentMatches(['workflows-api.DB pool'], 'db-pool')).toBe(true);
    expect(componentMatches(['db'], 'db-pool')).toBe(false);
    expect(componentMatches(['db-pool-exporter'], 'db-pool')).toBe(false);
    expect(componentMatches([], 'db-pool')).toBe(false);
  });
});
