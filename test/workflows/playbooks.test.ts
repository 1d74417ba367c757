// The shipped playbooks on realistic tool results, through the same persona loop an LLM uses. They reason in
// general terms — what changed, Little's law against the capacity, per-request work before vs now, a
// dependency's own status — so incidents nobody wrote a procedure for get the right diagnosis, or an honest
// "unknown" (nothing is changed on a guess).
import { beforeAll, describe, expect, it } from 'vitest';
import { EscalationError } from '../../src/models/errors.js';
import { playbookModel, type PlaybookInput } from '../../src/models/playbook/index.js';
import { provide } from '../../src/personas/runtime.js';
import { run } from '../../src/primitives/run.js';
import type { Step } from '../../src/primitives/types.js';
import type { PersonaInput } from '../../src/personas/types.js';
import type { ToolResult, ToolSet } from '../../src/tools/types.js';
import { buildChangeReport, type ChangeReport } from '../../src/workflows/changes.js';
import { findKnownGood } from '../../src/workflows/known-good.js';
import type { Assessment, DevopsActionResult, Fix } from '../../src/workflows/outputs.js';
import { workflowPersonas } from '../../src/workflows/personas.js';
import { loadPlaybooks } from '../../src/workflows/playbooks.js';
import {
  BAD_DEPLOY, HEALTHY, POOL_EXHAUSTION, PROVIDER_OUTAGE, RETRY_STORM, signalTools, SLOW_RELEASE, STUCK_SAGAS, TASK_BACKLOG, UNEXPLAINED, WORKER_CAPACITY, type Signals,
} from './helpers/signals.js';

let playbooks: Record<string, PlaybookInput>;
const personas = workflowPersonas();

beforeAll(async () => {
  playbooks = await loadPlaybooks();
});

const STARTS = '2026-11-23T04:36:20Z';
const noChanges = (): ChangeReport => buildChangeReport({ symptomStart: STARTS, now: Date.parse(STARTS) + 40_000, rollouts: [], sources: { deploy: 'ok', versions: 'ok' } });

/** A release r2 (v1.5.0) replaced r1 (v1.4.2) 90 s before the symptom; its config diff made the query slower. */
async function releaseBefore(outcome: 'succeeded' | 'failed' = 'succeeded'): Promise<ChangeReport> {
  const started = Date.parse(STARTS) - 95_000;
  const built = buildChangeReport({
    symptomStart: STARTS, now: Date.parse(STARTS) + 40_000, sources: { deploy: 'ok', versions: 'ok' },
    current: { releaseId: 'r2', revision: 'bbbbbbb2222', version: '1.5.0', state: outcome === 'failed' ? 'crash-looping' : 'running' },
    rollouts: [
      { kind: 'deploy', triggeredBy: 'release-pipeline', releaseId: 'r1', revision: 'aaaaaaa1111', version: '1.4.2', startedAt: new Date(started - 600_000).toISOString(), finishedAt: new Date(started - 599_000).toISOString(), outcome: 'succeeded' },
      { kind: 'deploy', triggeredBy: 'release-pipeline', releaseId: 'r2', revision: 'bbbbbbb2222', version: '1.5.0', previousReleaseId: 'r1', previousRevision: 'aaaaaaa1111', previousVersion: '1.4.2', startedAt: new Date(started).toISOString(), finishedAt: new Date(started + 5_000).toISOString(), outcome },
    ],
  });
  // The SLOs held until r2 replaced r1, and not after.
  const report = await findKnownGood(built, async (t) => t * 1000 < started, { minLiveSeconds: 30, suspectWindowMinutes: 30 });
  report.suspect!.change.config = outcome === 'failed'
    ? [{ path: 'startup.requires', before: ['payments-db'], after: ['payments-db', 'firestore'] }]
    : [{ path: 'pool.queryLatency.medianMs', before: 190, after: 600 }, { path: 'service.version', before: '1.4.2', after: '1.5.0' }];
  return report;
}

const incident = (severity?: string, changes: ChangeReport = noChanges(), sloHealthy = false): PersonaInput['incident'] => ({
  id: 'inc-test-1', title: 'API error rate above 5%', alertname: 'APIErrorRateHigh', status: 'firing', startsAt: STARTS,
  source: 'prometheus', service: 'workflows-api', job: 'workflows-api', labels: {}, annotations: {}, logSelector: '{job="workflows-api"}', window: '40s',
  repository: { owner: 'acme', repo: 'workflows-api', baseBranch: 'main' },
  changes, slo: { healthy: sloHealthy, checks: [] }, evidence: '- **metrics** `q`: f',
  ...(severity ? { severity } : {}),
});

function runPersona<O>(p: Step<PersonaInput, O>, tools: ToolSet, input: PersonaInput): Promise<O> {
  return run(provide({ model: playbookModel(playbooks[p.name]!), toolset: tools }, p), input);
}

const observe = (signals: Signals, severity = 'p1', changes?: ChangeReport, sloHealthy = false): Promise<Assessment> =>
  runPersona(personas.observability, signalTools(signals), { incident: incident(severity, changes, sloHealthy) });

describe('observability playbook: general reasoning', () => {
  it('pool exhaustion by Little\'s law: connections needed = acquires/s x query time, against the pool size', async () => {
    const a = await observe(POOL_EXHAUSTION);
    expect(a.rootCause).toEqual({ category: 'resource-exhaustion', components: ['database-connection-pool'], settings: ['pool'] });
    expect(a.severity).toBe('p1');
    expect(a.measurements).toMatchObject({ acquireRate: 58.4, queryMeanSeconds: 0.1912, poolMax: 10 });
    expect(a.measurements!.connectionsNeeded).toBeCloseTo(11.17, 2);
    expect(a.summary).toBe('10.04% of requests to workflows-api fail and p95 is 2946 ms: the database connection pool is too small for the load (58.4 acquires/s x 0.191 s = 11.2 connections needed, 10 in the pool).');
    expect(a.evidence.find((e) => e.query.includes('database_query_duration_seconds_sum'))?.finding).toBe('0.191 s per query (0.19 s before)');
    expect(a.affected).toEqual({ service: 'workflows-api', endpoints: ['/api/workflows/execute'], errorRate: 0.10043372397949119, p95LatencyMs: 2946 });
  });

  it('a release before the symptom that made each query 3x slower is a bad release, not a small pool', async () => {
    const a = await observe(SLOW_RELEASE, 'p1', await releaseBefore());
    expect(a.rootCause).toEqual({ category: 'bad-deploy', components: ['deployment', 'database-queries'], settings: ['pool.queryLatency.medianMs', 'service.version'] });
    expect(a.rootCauseHypothesis).toMatch(/a query takes 3\.21x as long as before it/);
    expect(a.rootCauseHypothesis).toMatch(/rolled back to r1/);
    expect(a.evidence[0]!.finding).toMatch(/Suspect: deploy of r2 \(bbbbbbb, v1\.5\.0\) replacing r1 \(aaaaaaa, v1\.4\.2\)/);
    expect(a.evidence[0]!.finding).toMatch(/Last known-good release: r1 \(aaaaaaa, v1\.4\.2\)\.$/);
  });

  it('the same slow queries with no change to blame are not "fixed" with more capacity: unknown, a human looks', async () => {
    const a = await observe(SLOW_RELEASE);
    expect(a.status).toBe('unknown');
    expect(a.rootCause).toBeNull();
    expect(a.rootCauseHypothesis).toMatch(/^Unknown\. Checked and ruled out/);
  });

  it('a release that crash-loops is a bad release; without a severity on the alert it rates it p0', async () => {
    const a = await observe(BAD_DEPLOY, '', await releaseBefore('failed'));
    expect(a.rootCause).toEqual({ category: 'bad-deploy', components: ['deployment'], settings: ['startup.requires'] });
    expect(a.severity).toBe('p0');
  });

  it('a service that is down with no change to blame is not called a bad release', async () => {
    const a = await observe(BAD_DEPLOY, 'p0');
    expect(a.status).toBe('unknown');
    expect(a.rootCause).toBeNull();
  });

  it('synchronised retries without jitter while the provider is up -> retry storm of our client', async () => {
    const a = await observe(RETRY_STORM);
    expect(a.rootCause).toEqual({ category: 'retry-storm', components: ['payments-api-client', 'dependency-client', 'payments-api'], settings: ['dependency.jitter'] });
    expect(a.rootCauseHypothesis).toMatch(/no jitter/);
  });

  it('a provider that reports a major outage -> dependency outage: nothing of ours to change', async () => {
    const a = await observe(PROVIDER_OUTAGE);
    expect(a.rootCause).toEqual({ category: 'dependency-outage', components: ['payments-api'], settings: [] });
    expect(a.rootCauseHypothesis).toMatch(/communicate and wait/);
  });

  it('attempts running 200x a normal task and no timeout firing -> a missing timeout, not capacity', async () => {
    const a = await observe(TASK_BACKLOG);
    expect(a.rootCause).toEqual({ category: 'missing-timeout', components: ['task-worker-pool', 'task-queue'], settings: ['workers.taskTimeoutMs', 'workers.maxQueueDepth'] });
    expect(a.summary).toMatch(/212 waiting/);
  });

  it('normal tasks arriving faster than the workers serve them -> worker capacity, by a computed amount', async () => {
    const a = await observe(WORKER_CAPACITY);
    expect(a.rootCause).toEqual({ category: 'resource-exhaustion', components: ['task-worker-pool', 'task-queue'], settings: ['workers.concurrency'] });
    expect(a.summary).toBe('workflows-api has too few task workers for its load: 20 tasks/s x 0.15 s = 3 busy workers needed, 2 available; the queue is 140 deep and growing.');
    expect(a.measurements).toMatchObject({ workersNeeded: 3, workers: 2 });
  });

  it('RUNNING sagas not updated and none recovered -> stuck sagas', async () => {
    const a = await observe(STUCK_SAGAS, 'p2');
    expect(a.rootCause).toEqual({ category: 'stuck-workflow-state', components: ['saga-coordinator', 'saga-recovery'], settings: ['sagas.recovery'] });
    expect(a.severity).toBe('p2');
  });

  it('healthy signals and holding SLOs -> healthy: the alert needs no action', async () => {
    const a = await observe(HEALTHY, 'p1', noChanges(), true);
    expect(a.status).toBe('healthy');
    expect(a.rootCause).toBeNull();
    expect(a.summary).toMatch(/is healthy: its SLOs hold/);
  });

  it('half the requests failing for no reason it knows -> unknown, with the evidence, and no cause invented', async () => {
    const a = await observe(UNEXPLAINED);
    expect(a.status).toBe('unknown');
    expect(a.rootCause).toBeNull();
    expect(a.evidence.map((e) => e.finding)).toContain('newest error: ' + JSON.stringify(UNEXPLAINED.logs['']![0]));
  });

  it('rates severity from the measured error ratio when the alert has none', async () => {
    expect((await observe(POOL_EXHAUSTION, '')).severity).toBe('p1');
    expect((await observe(STUCK_SAGAS, '')).severity).toBe('p2');
  });
});

describe('backend playbook: the change the diagnosis calls for, computed', () => {
  const assessment = (rootCause: Assessment['rootCause'], measurements: Record<string, number> = {}): Assessment => ({
    severity: 'p1', summary: 's', rootCauseHypothesis: 'The hypothesis.', rootCause, measurements,
    evidence: [{ source: 'metrics', query: 'q', finding: 'f' }], affected: { service: 'workflows-api', endpoints: [] },
  });
  const text = (value: unknown): ToolResult => ({ content: [{ type: 'text', text: JSON.stringify(value) }] });

  /** GitHub and a sandbox whose patch step really applies the change, as the sandbox would. */
  function repo(config: Record<string, unknown>): Signals['tools'] {
    return {
      'github.get_file_contents': text({ type: 'file', path: 'service.config.json', encoding: 'utf-8', content: JSON.stringify(config) }),
      'github.list_commits': text({ commits: [{ sha: 'abc1234', message: 'Release 1.5.0' }] }),
      'github.create_branch': text({ ref: 'refs/heads/hotfix' }),
      'github.push_files': text({ commit: { sha: 'c0ffee' } }),
      'github.create_pull_request': (args) => text({ number: 7, html_url: 'http://forge/acme/workflows-api/pull/7', head: { ref: args.head }, body: args.body }),
      'sandbox.run_code': (args) => {
        const code = String(args.code);
        if (!code.includes('const changes')) return text({ exitCode: 0, stdout: 'synced', stderr: '' });
        const out = { stdout: '', stderr: '', exitCode: 0 };
        const fn = new Function('process', code.replace("process.getBuiltinModule('node:fs')", '({ writeFileSync() {} })'));
        try {
          fn({ getBuiltinModule: () => ({ writeFileSync() {} }), stdout: { write: (s: string) => (out.stdout += s) }, stderr: { write: (s: string) => (out.stderr += s) }, exit: (c: number) => { out.exitCode = c; throw new Error('exit'); } });
        } catch { /* process.exit */ }
        return text(out);
      },
      'sandbox.run_command': text({ exitCode: 0, stdout: 'ok 12 tests', stderr: '' }),
    };
  }
  const fixFor = (a: Assessment, config: Record<string, unknown>, changes: ChangeReport = noChanges()) => {
    const tools = signalTools({ metrics: {}, logs: {}, tools: repo(config) });
    return { tools, fix: runPersona(personas.backend, tools, { incident: incident('p1', changes), previous: { observability: a } }) };
  };
  const prBody = (tools: ReturnType<typeof signalTools>): string => String(tools.calls.find((c) => c.name === 'github.create_pull_request')?.args.body);

  it('pool: 2x the connections needed, failing fast within the p95 target, with the expected effect in numbers in the PR and for verification', async () => {
    const { tools, fix } = fixFor(assessment({ category: 'resource-exhaustion', components: ['database-connection-pool'], settings: ['pool'] }, { acquireRate: 58.4, queryMeanSeconds: 0.1912, connectionsNeeded: 11.166, poolMax: 10 }), { pool: { size: 10, acquireTimeoutMs: 2400, maxWaiters: null } });
    const f = await fix;
    expect(f.remedy).toBe('pull-request');
    expect(f.fixDesign.change).toBe('pool.size: 10 -> 23; pool.acquireTimeoutMs: 2400 -> 500; pool.maxWaiters: null -> 92');
    expect(f.expectedEffect?.summary).toBe('pool 10 -> 23: 58.4 req/s x 0.191 s per query = 11.2 connections in flight, 49% of the new pool (112% of the old one); a request waits at most 500 ms for a connection (the p95 target) instead of 2400 ms');
    expect(f.expectedEffect?.checks).toEqual([{ name: 'pool-utilisation', expr: 'max(avg_over_time(database_connection_pool_active{service="workflows-api"}[30s]) / database_connection_pool_max{service="workflows-api"})', op: '<', threshold: 0.9 }]);
    expect(prBody(tools)).toContain('## Expected effect\n\npool 10 -> 23: 58.4 req/s');
  });

  it('pool: a diagnosis that implicates only the size changes only the size', async () => {
    const { fix } = fixFor(assessment({ category: 'resource-exhaustion', components: ['database-connection-pool'], settings: ['pool.size'] }, { acquireRate: 58.4, queryMeanSeconds: 0.1912, connectionsNeeded: 11.166, poolMax: 10 }), { pool: { size: 10, acquireTimeoutMs: 2400, maxWaiters: null } });
    expect((await fix).fixDesign.change).toBe('pool.size: 10 -> 23');
  });

  it('workers: concurrency = 2x the busy workers needed, plus what drains the backlog within a minute', async () => {
    const { fix } = fixFor(assessment({ category: 'resource-exhaustion', components: ['task-worker-pool'], settings: ['workers.concurrency'] }, { taskArrivalRate: 20, taskMedianSeconds: 0.15, workersNeeded: 3, workers: 2, queueDepth: 140 }), { workers: { concurrency: 2, taskTimeoutMs: 2000, maxAttempts: 3 } });
    const f = await fix;
    expect(f.fixDesign.change).toBe('workers.concurrency: 2 -> 7');
    expect(f.expectedEffect?.summary).toBe('concurrency 2 -> 7: 20 tasks/s x 0.15 s = 3 workers busy, 43% of the new pool; the 140 queued tasks drain in about a minute instead of growing');
  });

  it('hung attempts: a timeout of 10x the median task, changing nothing else', async () => {
    const { fix } = fixFor(assessment({ category: 'missing-timeout', components: ['task-worker-pool'], settings: ['workers.taskTimeoutMs'] }, { taskMedianSeconds: 0.152, oldestRunningTaskSeconds: 31.5, workers: 8 }), { workers: { concurrency: 8, taskTimeoutMs: null, maxAttempts: 3, maxQueueDepth: null } });
    expect((await fix).fixDesign.change).toBe('workers.taskTimeoutMs: null -> 1600');
  });

  it('hung attempts and an unbounded queue: the timeout, and a bound twice what is queued (at least 1,000)', async () => {
    const { fix } = fixFor(assessment({ category: 'missing-timeout', components: ['task-worker-pool'], settings: ['workers.taskTimeoutMs', 'workers.maxQueueDepth'] }, { taskMedianSeconds: 0.152, oldestRunningTaskSeconds: 31.5, workers: 8, queueDepth: 640 }), { workers: { concurrency: 8, taskTimeoutMs: null, maxAttempts: 3, maxQueueDepth: null } });
    const f = await fix;
    expect(f.fixDesign.change).toBe('workers.taskTimeoutMs: null -> 1600; workers.maxQueueDepth: null -> 1300');
    expect(f.expectedEffect?.summary).toMatch(/; the queue is bounded at 1300 \(640 queued now\) and pushes back beyond it$/);
  });

  it('sagas: only the setting that keeps recovery from acting (maxRetries 0), not the ones already right', async () => {
    const { fix } = fixFor(assessment({ category: 'stuck-workflow-state', components: ['saga-coordinator'], settings: ['sagas.recovery'] }, { oldestRunningSagaSeconds: 40 }), { sagas: { recovery: { enabled: true, staleAfterMs: 5000, maxRetries: 0 } } });
    expect((await fix).fixDesign.change).toBe('sagas.recovery.maxRetries: 0 -> 3');
  });

  it('sagas: recovery off and its stale threshold far above how long they have been stuck -> both, and only those', async () => {
    const { fix } = fixFor(assessment({ category: 'stuck-workflow-state', components: ['saga-coordinator'], settings: ['sagas.recovery'] }, { oldestRunningSagaSeconds: 40 }), { sagas: { recovery: { enabled: false } } });
    expect((await fix).fixDesign.change).toBe('sagas.recovery.enabled: false -> true; sagas.recovery.staleAfterMs: null -> 5000');
  });

  it('a computed change that changes nothing is not made: it escalates', async () => {
    const { fix } = fixFor(assessment({ category: 'resource-exhaustion', components: ['database-connection-pool'], settings: ['workers.taskTimeoutMs'] }, { taskMedianSeconds: 0.152 }), { workers: { taskTimeoutMs: 1000 } });
    await expect(fix).rejects.toThrow(EscalationError);
  });

  it('a bad release is not patched: the remedy is a rollback to the known-good release, with no pull request', async () => {
    const { tools, fix } = fixFor(assessment({ category: 'bad-deploy', components: ['deployment'], settings: ['startup.requires'] }), { startup: { requires: ['payments-db', 'firestore'] } }, await releaseBefore('failed'));
    const f = await fix;
    expect(f).toMatchObject({ remedy: 'rollback', pullRequest: null });
    expect(f.fixDesign.change).toMatch(/^No code change: roll back to release r1, the last release live and healthy before the incident/);
    expect(tools.calls.map((c) => c.name)).not.toContain('github.create_pull_request');
  });

  it('a provider outage is waited out: no change, no pull request', async () => {
    const { tools, fix } = fixFor(assessment({ category: 'dependency-outage', components: ['payments-api'], settings: [] }), {});
    expect(await fix).toMatchObject({ remedy: 'wait', pullRequest: null });
    expect(tools.calls.map((c) => c.name)).not.toContain('github.create_branch');
  });

  it('a root cause it has no procedure for is escalated', async () => {
    const { fix } = fixFor(assessment({ category: 'code-defect', components: ['heap'] }), {});
    await expect(fix).rejects.toThrow(/names no setting this runbook knows how to change safely/);
  });
});

describe('devops playbook', () => {
  const deployInput = (): PersonaInput => ({ incident: incident('p1'), previous: { workflow: { action: 'deploy', attempt: 1, pullRequest: { number: 7, url: 'u', branch: 'b' } } } });

  it('deploy: reviews, merges (squash) and deploys the merge commit', async () => {
    const tools = signalTools({ metrics: {}, logs: {}, tools: {
      'github.pull_request_read': { content: [{ type: 'text', text: JSON.stringify({ number: 7, title: 'HOTFIX: pool', state: 'open' }) }] },
      'github.merge_pull_request': { content: [{ type: 'text', text: JSON.stringify({ pullNumber: 7, merged: true, sha: 'f00dfeed' }) }] },
      'deploy.deploy_service': { content: [{ type: 'text', text: JSON.stringify({ rollout: { id: 3, ref: 'f00dfeed', outcome: 'succeeded', durationMs: 812 } }) }] },
    } });
    const r: DevopsActionResult = await runPersona(personas.devops, tools, deployInput());
    expect(r).toEqual({ action: 'deploy', status: 'succeeded', ref: 'f00dfeed', pullRequest: 7, summary: 'Merged PR #7 as f00dfeed and deployed it: rollout 3 succeeded in 812 ms.' });
    expect(tools.calls.find((c) => c.name === 'github.merge_pull_request')?.args).toMatchObject({ pullNumber: 7, merge_method: 'squash' });
    expect(tools.calls.find((c) => c.name === 'deploy.deploy_service')?.args).toMatchObject({ ref: 'f00dfeed' });
  });

  it('a merge the approval gate refused is reported as refused, and nothing is deployed', async () => {
    const tools = signalTools({ metrics: {}, logs: {}, tools: {
      'github.pull_request_read': { content: [{ type: 'text', text: JSON.stringify({ number: 7, title: 'HOTFIX: pool' }) }] },
      'github.merge_pull_request': { isError: true, content: [{ type: 'text', text: 'approval required for github.merge_pull_request: rejected by alice. The action was not performed.' }] },
    } });
    const r = await runPersona(personas.devops, tools, deployInput());
    expect(r).toMatchObject({ action: 'deploy', status: 'refused', pullRequest: 7 });
    expect(tools.calls.map((c) => c.name)).not.toContain('deploy.deploy_service');
  });

  it('a failed deploy is reported as failed with the tool\'s words', async () => {
    const tools = signalTools({ metrics: {}, logs: {}, tools: {
      'github.pull_request_read': { content: [{ type: 'text', text: JSON.stringify({ number: 7, title: 'HOTFIX' }) }] },
      'github.merge_pull_request': { content: [{ type: 'text', text: JSON.stringify({ merged: true, sha: 'f00dfeed' }) }] },
      'deploy.deploy_service': { isError: true, content: [{ type: 'text', text: 'deploy of f00dfeed (f00dfee) FAILED: health check failed: HTTP 503' }] },
    } });
    const r = await runPersona(personas.devops, tools, deployInput());
    expect(r).toMatchObject({ action: 'deploy', status: 'failed', ref: 'f00dfeed' });
    expect(r.summary).toContain('health check failed: HTTP 503');
  });

  it('rollback goes exactly where the workflow says; maintenance does exactly that', async () => {
    const tools = signalTools({ metrics: {}, logs: {}, tools: {
      'deploy.rollback': { content: [{ type: 'text', text: JSON.stringify({ rollout: { ref: 'main', revision: 'aaa111', releaseId: 'r1', outcome: 'succeeded', durationMs: 500 } }) }] },
      'deploy.maintenance_mode': { content: [{ type: 'text', text: JSON.stringify({ maintenance: { enabled: true, since: '2026-11-23T05:00:00Z' } }) }] },
    } });
    const rollback = await runPersona(personas.devops, tools, { incident: incident('p1'), previous: { workflow: { action: 'rollback', to: 'r1' } } });
    expect(rollback).toMatchObject({ action: 'rollback', status: 'succeeded', ref: 'main' });
    expect(tools.calls[0]).toMatchObject({ name: 'deploy.rollback', args: { to: 'r1' } });
    const maintenance = await runPersona(personas.devops, tools, { incident: incident('p1'), previous: { workflow: { action: 'maintenance' } } });
    expect(maintenance).toMatchObject({ action: 'maintenance', status: 'succeeded' });
    expect(tools.calls.map((c) => c.name)).toEqual(['deploy.rollback', 'deploy.maintenance_mode']);
  });

  it('a rollback with no target named does nothing: it escalates', async () => {
    const tools = signalTools({ metrics: {}, logs: {}, tools: {} });
    await expect(runPersona(personas.devops, tools, { incident: incident('p1'), previous: { workflow: { action: 'rollback' } } })).rejects.toThrow(EscalationError);
    expect(tools.calls).toEqual([]);
  });
});

export type { Fix };
