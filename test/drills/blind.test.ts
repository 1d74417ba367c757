import { describe, expect, it } from 'vitest';
import { blindAlert, findLeaks, leakTerms, leaks } from '../../src/drills/blind.js';
import { planFromScenario } from '../../src/drills/plan.js';
import { listScenarios, loadScenario } from '../../src/drills/scenario.js';
import { parseAlert } from '../../src/workflows/alert.js';

describe('leak detection', () => {
  const terms = leakTerms({ name: 'retry-storm', expected: { category: 'retry-storm', component: 'payments-api-client' } }).all;

  it('derives the terms from the name and the category, never the component', () => {
    expect(leakTerms({ name: 'pool-exhaustion', expected: { category: 'resource-exhaustion', component: 'database-connection-pool' } })).toEqual({
      answer: ['resource-exhaustion'], identity: ['pool-exhaustion'], all: ['resource-exhaustion', 'pool-exhaustion'],
    });
    expect(leakTerms({ name: 'retry-storm', expected: { category: 'retry-storm', component: 'x' } })).toEqual({ answer: ['retry-storm'], identity: [], all: ['retry-storm'] });
  });

  it('matches whole words in any spelling, not substrings of other words', () => {
    expect(leaks('Retry storm against payments', terms)).toBe(true);
    expect(leaks('RETRY_STORM', terms)).toBe(true);
    expect(leaks('retryStorm', terms)).toBe(true);
    expect(leaks('retry storms', terms)).toBe(false);
    expect(leaks('retry budget, storm drain', terms)).toBe(false);
  });

  it('reports the paths of leaking keys and values', () => {
    expect(findLeaks({ a: ['ok', { b: 'the retry-storm drill' }], 'retry_storm': 1 }, terms)).toEqual(['$.a[1].b', '$.retry_storm (key)']);
  });

  it('removes the answer from an alert everywhere, and the scenario name outside the alert\'s identity', () => {
    const t = leakTerms({ name: 'queue-backlog', expected: { category: 'missing-timeout', component: 'task-worker-pool' } });
    const alert = parseAlert({
      labels: { alertname: 'TaskQueueBacklog', severity: 'critical', drill: 'queue-backlog', cause: 'missing timeout', service: 'workflows-api' },
      annotations: { summary: 'Task queue backlog is growing', runbook: 'see queue_backlog.md' },
      state: 'firing', activeAt: '2025-11-14T14:32:00Z',
    });
    const { alert: blind, dropped } = blindAlert(alert, t);
    expect(dropped).toEqual(['labels.drill', 'labels.cause', 'annotations.runbook']);
    expect(blind.labels).toEqual({ alertname: 'TaskQueueBacklog', severity: 'critical', service: 'workflows-api' });
    expect(blind.title).toBe('Task queue backlog is growing');
    expect(findLeaks(blind, t.answer)).toEqual([]);
  });

  it('replaces a title that states the answer', () => {
    const t = leakTerms({ name: 'retry-storm', expected: { category: 'retry-storm', component: 'x' } });
    const alert = parseAlert({ labels: { alertname: 'RetryStorm' }, annotations: { summary: 'Retry storm detected' }, state: 'firing', activeAt: '2025-11-14T14:32:00Z' });
    const { alert: blind, dropped } = blindAlert(alert, t);
    expect(dropped).toEqual(['labels.alertname', 'annotations.summary', 'title']);
    expect(blind.title).toBe('alert');
    expect(findLeaks(blind, t.all)).toEqual([]);
  });
});

describe('shipped scenarios keep the responder blind', async () => {
  const scenarios = await Promise.all((await listScenarios()).map((s) => loadScenario(s.file)));

  it('ships the five seed scenarios and issue 13\'s', () => {
    expect(scenarios.map((s) => s.name)).toEqual([
      'bad-deploy', 'healthy-noise', 'hotfix-on-bad-release', 'pool-exhaustion', 'pool-surge', 'provider-outage', 'queue-backlog', 'retry-storm', 'saga-retries', 'slow-release', 'stuck-sagas', 'worker-capacity',
    ]);
  });

  for (const s of scenarios) {
    it(`${s.name}: alerts never state the category; nothing else the responder gets names the scenario`, () => {
      const terms = leakTerms(planFromScenario(s));
      const identity = s.alerts.map((a) => ({ name: a.name, summary: a.summary, description: a.description }));
      const rest = { labels: s.alerts.map((a) => a.labels), exprs: s.alerts.map((a) => a.expr), slos: s.slos.checks, repository: s.target.repo };
      expect(findLeaks(identity, terms.answer)).toEqual([]);
      expect(findLeaks(rest, terms.all)).toEqual([]);
    });
  }
});
