// The incident record (built from the event stream), the post-mortem (measured figures only), the incident
// context and the SLO check helpers.
import { describe, expect, it } from 'vitest';
import type { StepEvent } from '../../src/primitives/types.js';
import { parseAlert } from '../../src/workflows/alert.js';
import type { IncidentRecord } from '../../src/workflows/incident.js';
import { buildIncidentContext, investigationWindow, InvalidRepositoryError } from '../../src/workflows/incident-context.js';
import { renderPostmortem } from '../../src/workflows/postmortem.js';
import { IncidentRecorder } from '../../src/workflows/recorder.js';
import { resolveChecks, sampleValue, verificationSchema } from '../../src/workflows/verify.js';

function blankRecord(): IncidentRecord {
  return {
    id: 'inc-1', title: 'API error rate above 5%', severity: 'p1', status: 'running', model: 'playbook (no LLM)', approvalPolicy: 'auto',
    alert: parseAlert({ title: 'API error rate above 5%', severity: 'p1', labels: { alertname: 'APIErrorRateHigh', service: 'api' }, startsAt: '2026-11-23T04:36:00Z' }),
    startedAt: '2026-11-23T04:36:30.000Z', timeline: [], outputs: {}, approvals: [], actions: [],
    usage: { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, toolCalls: 0, turns: 0 },
  };
}

const at = Date.parse('2026-11-23T04:36:31Z');
const custom = (path: string, name: string, data: Record<string, unknown>, offset = 0): StepEvent => ({ type: 'custom', runId: 'inc-1', path, at: at + offset, name, data });

describe('IncidentRecorder', () => {
  it('turns the event stream into a timeline with stage and persona attribution, usage, approvals and actions', () => {
    const record = blankRecord();
    const changes: unknown[] = [];
    const rec = new IncidentRecorder(record, (e) => changes.push(e));
    const events: StepEvent[] = [
      custom('incident/detect', 'stage', { stage: 'observability', status: 'start' }),
      custom('incident/detect/observability', 'persona.start', { persona: 'observability', model: 'm', tools: ['a', 'b'] }),
      custom('incident/detect/observability/turn-1', 'persona.turn', { turn: 1, usage: { inputTokens: 100, outputTokens: 20, cacheReadTokens: 50, cacheWriteTokens: 10 }, calls: ['grafana__query_prometheus', 'grafana__query_prometheus'] }),
      custom('incident/detect/observability/turn-1/tool-1-grafana.query_prometheus', 'tool.call', { server: 'grafana', tool: 'query_prometheus', durationMs: 12.3, outcome: 'ok' }),
      custom('incident/deploy/deploy-fix/deploy/devops/turn-2/tool-1-github.merge_pull_request', 'approval', { action: 'github.merge_pull_request', approved: true, by: 'policy:auto', args: { pullNumber: 3 }, persona: 'devops' }),
      custom('incident/deploy/deploy-fix/deploy/devops/turn-2/tool-1-github.merge_pull_request', 'action', { kind: 'merge', ref: 'abc', ok: true }),
      custom('incident/deploy/deploy-fix/deploy/devops/turn-2/tool-1-github.merge_pull_request', 'action', { kind: 'merge', ref: 'abc', ok: true }),
      { type: 'breaker', runId: 'inc-1', path: 'incident/x', at, breaker: 'grafana', from: 'closed', to: 'open' },
      { type: 'retry', runId: 'inc-1', path: 'incident/deploy', at, step: 'deploy', attempt: 1, delayMs: 500, error: new Error('boom') },
    ];
    for (const e of events) rec.handle(e);
    expect(record.stage).toBe('observability');
    expect(record.usage).toEqual({ inputTokens: 110, outputTokens: 20, cacheReadTokens: 50, toolCalls: 1, turns: 1 });
    expect(record.timeline.map((e) => [e.kind, e.stage, e.persona])).toEqual([
      ['stage', 'observability', undefined],
      ['persona.start', 'observability', 'observability'],
      ['persona.turn', 'observability', 'observability'],
      ['tool.call', 'observability', 'observability'],
      ['approval', undefined, undefined],
      ['action', undefined, undefined],
      ['breaker', undefined, undefined],
      ['retry', undefined, undefined],
    ]);
    expect(record.timeline[2]!.summary).toBe('turn 1: calls grafana__query_prometheus x2');
    expect(record.approvals).toEqual([expect.objectContaining({ request: expect.objectContaining({ action: 'github.merge_pull_request', persona: 'devops' }), decision: expect.objectContaining({ approved: true, by: 'policy:auto' }) })]);
    // A write repeated after a crash (idempotent replay) is one action.
    expect(record.actions.map((a) => a.kind)).toEqual(['merge']);
    expect(record.timeline.find((e) => e.kind === 'breaker')?.summary).toBe("circuit breaker 'grafana' closed -> open");
    expect(changes.length).toBeGreaterThanOrEqual(record.timeline.length);
  });

  it('on resume, does not count replayed model turns again and recovers actions from the journal', async () => {
    const record = blankRecord();
    const journal: Record<string, unknown> = {
      'incident/deploy/deploy-fix/deploy': { action: 'deploy', status: 'succeeded', ref: 'f00d', pullRequest: 3, summary: 's' },
    };
    const rec = new IncidentRecorder(record, () => undefined, async (path) => journal[path]);
    rec.handle({ type: 'end', runId: 'inc-1', path: 'incident/detect/observability/turn-1/model', at, step: 'model', kind: 'model', attempt: 1, durationMs: 0, replayed: true });
    rec.handle(custom('incident/detect/observability/turn-1', 'persona.turn', { turn: 1, usage: { inputTokens: 100, outputTokens: 20 }, calls: [] }));
    rec.handle({ type: 'end', runId: 'inc-1', path: 'incident/deploy/deploy-fix/deploy', at, step: 'deploy', kind: 'step', attempt: 1, durationMs: 0, replayed: true });
    await new Promise((r) => setTimeout(r, 10));
    expect(record.usage.turns).toBe(0);
    expect(record.actions).toEqual([expect.objectContaining({ kind: 'deploy', ref: 'f00d' })]);
    expect(record.timeline.at(-1)?.summary).toBe('deploy f00d (recovered from the journal)');
  });
});

describe('post-mortem', () => {
  it('follows the template and reports only measured figures', () => {
    const record = blankRecord();
    record.status = 'resolved';
    record.endedAt = '2026-11-23T04:40:00.000Z';
    record.outcome = { resolved: true, summary: 'Deployed the fix (abc); the SLO checks held for 60 s.' };
    record.outputs.observability = {
      severity: 'p1', summary: '15% of requests fail.', rootCauseHypothesis: 'Pool exhausted.', rootCause: { category: 'resource-exhaustion', components: ['database-connection-pool'] },
      evidence: [{ source: 'metrics', query: 'max(pool)', finding: 'pool usage 100%' }], affected: { service: 'api', endpoints: ['/x'], errorRate: 0.15, p95LatencyMs: 2500 },
    };
    record.outputs.devops = {
      outcome: 'fix-verified', summary: 'Deployed.', deployment: { ref: 'abc', status: 'succeeded' }, rollback: { performed: false }, maintenanceMode: false, actions: [],
      verification: { healthy: true, checks: [] },
      verifications: [{ target: 'fix', healthy: true, heldSeconds: 60, polls: 7, startedAt: '2026-11-23T04:38:00.000Z', endedAt: '2026-11-23T04:39:30.000Z', worst: { 'error-rate': 0.12 }, checks: [{ name: 'error-rate', query: 'q', value: 0, op: '<', threshold: 0.001, ok: true }] }],
    };
    record.timeline.push({ at: '2026-11-23T04:36:40.000Z', kind: 'finding', persona: 'observability', summary: 'observability: 15% of requests fail.' });
    const md = renderPostmortem(record);
    for (const h of ['# Post-Mortem: API error rate above 5%', '## What Happened', '## Impact', '## Root Cause', '## Timeline', '## What Went Well', '## What Went Wrong', '## Action Items']) expect(md).toContain(h);
    expect(md).toContain('Error rate at detection: 15.0% of requests');
    expect(md).toContain('Users affected, failed requests in total, revenue: not measured.');
    // MTTR: alert 04:36:00 -> recovery held from 04:38:30.
    expect(md).toContain('**MTTR:** 2 min 30 s');
    expect(md).toContain('error-rate 0 (want < 0.001; worst seen 0.12)');
    expect(md).toContain('Root cause (resource-exhaustion at database-connection-pool) identified 40 s after the alert fired.');
    expect(md).not.toMatch(/\$\d|revenue impact: \$/);
  });
});

describe('incident context', () => {
  const alert = parseAlert({ labels: { alertname: 'A', job: 'api', severity: 'critical' }, annotations: {}, state: 'firing', activeAt: '2026-11-23T04:36:00Z' });

  it('takes the repository from the alert, then the service settings, then the default', () => {
    expect(buildIncidentContext({ ...alert, labels: { ...alert.labels, repository: 'team/api' } }, { id: 'i', repository: 'acme/x' }).repository).toEqual({ owner: 'team', repo: 'api', baseBranch: 'main' });
    expect(buildIncidentContext(alert, { id: 'i', repository: 'acme/x', services: { api: { repository: 'acme/api', baseBranch: 'trunk' } } }).repository).toEqual({ owner: 'acme', repo: 'api', baseBranch: 'trunk' });
    expect(buildIncidentContext(alert, { id: 'i', repository: 'acme/x' }).repository?.repo).toBe('x');
    expect(buildIncidentContext(alert, { id: 'i' }).repository).toBeUndefined();
    expect(() => buildIncidentContext(alert, { id: 'i', repository: 'not a repo' })).toThrow(InvalidRepositoryError);
  });

  it('derives service, job and log selector from the labels, and a window sized to the incident', () => {
    const ctx = buildIncidentContext(alert, { id: 'i', now: Date.parse('2026-11-23T04:36:40Z') });
    expect(ctx).toMatchObject({ service: 'api', job: 'api', logSelector: '{job="api"}', severity: 'p1', window: '70s' });
    expect(investigationWindow('2026-11-23T04:00:00Z', Date.parse('2026-11-23T05:00:00Z'))).toBe('300s');
    expect(investigationWindow('2026-11-23T04:00:00Z', Date.parse('2026-11-23T04:00:00Z'))).toBe('30s');
  });
});

describe('SLO checks', () => {
  it('fills service and window into the default checks, and drops the matcher when the alert names no service', () => {
    const settings = verificationSchema.parse({ window: '2m' });
    const withService = resolveChecks(settings, { service: 'api' } as never);
    expect(withService[0]!.expr).toBe('(sum(rate(http_requests_total{service="api",status=~"5.."}[2m])) or vector(0)) / sum(rate(http_requests_total{service="api"}[2m]))');
    const without = resolveChecks(settings, {} as never);
    expect(without[1]!.expr).toBe('histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket[2m])))');
  });

  it('reads the first sample of an instant query, treating NaN and no data as no value', () => {
    expect(sampleValue({ result: [{ value: [1, '0.25'] }] })).toBe(0.25);
    expect(sampleValue({ result: [{ value: [1, 'NaN'] }] })).toBeUndefined();
    expect(sampleValue({ result: [] })).toBeUndefined();
  });
});
