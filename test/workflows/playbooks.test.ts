// The shipped playbooks on realistic tool results, through the same persona loop an LLM uses: each symptom
// leads to its diagnosis with the evidence it measured, and what matches no rule is escalated, not guessed.
import { beforeAll, describe, expect, it } from 'vitest';
import { EscalationError } from '../../src/models/errors.js';
import { playbookModel, type PlaybookInput } from '../../src/models/playbook/index.js';
import { provide } from '../../src/personas/runtime.js';
import { run } from '../../src/primitives/run.js';
import type { Step } from '../../src/primitives/types.js';
import type { PersonaInput } from '../../src/personas/types.js';
import type { ToolSet } from '../../src/tools/types.js';
import type { Assessment, DevopsActionResult, Fix } from '../../src/workflows/outputs.js';
import { workflowPersonas } from '../../src/workflows/personas.js';
import { loadPlaybooks } from '../../src/workflows/playbooks.js';
import { BAD_DEPLOY, HEALTHY, POOL_EXHAUSTION, RETRY_STORM, signalTools, STUCK_SAGAS, TASK_BACKLOG, type Signals } from './helpers/signals.js';

let playbooks: Record<string, PlaybookInput>;
const personas = workflowPersonas();

beforeAll(async () => {
  playbooks = await loadPlaybooks();
});

const incident = (severity?: string): PersonaInput['incident'] => ({
  id: 'inc-test-1', title: 'API error rate above 5%', alertname: 'APIErrorRateHigh', status: 'firing', startsAt: '2026-11-23T04:36:20Z',
  source: 'prometheus', service: 'workflows-api', job: 'workflows-api', labels: {}, annotations: {}, logSelector: '{job="workflows-api"}', window: '40s',
  repository: { owner: 'acme', repo: 'workflows-api', baseBranch: 'main' },
  ...(severity ? { severity } : {}),
});

function runPersona<O>(p: Step<PersonaInput, O>, tools: ToolSet, input: PersonaInput): Promise<O> {
  return run(provide({ model: playbookModel(playbooks[p.name]!), toolset: tools }, p), input);
}

const observe = (signals: Signals, severity = 'p1'): Promise<Assessment> => runPersona(personas.observability, signalTools(signals), { incident: incident(severity) });

describe('observability playbook', () => {
  it('pool at 100% and acquire timeouts in the logs -> connection pool exhaustion, with the queries as evidence', async () => {
    const a = await observe(POOL_EXHAUSTION);
    expect(a.rootCause).toEqual({ category: 'resource-exhaustion', components: ['database-connection-pool'] });
    expect(a.severity).toBe('p1');
    expect(a.affected).toEqual({ service: 'workflows-api', endpoints: ['/api/workflows/execute'], errorRate: 0.10043372397949119, p95LatencyMs: 2946 });
    expect(a.summary).toBe('10.04% of requests to workflows-api fail and p95 latency is 2946 ms: the database connection pool is exhausted (100% of 10 connections in use).');
    expect(a.evidence.find((e) => e.finding.startsWith('pool usage'))).toEqual({
      source: 'metrics',
      query: 'max(database_connection_pool_active{service="workflows-api"} / database_connection_pool_max{service="workflows-api"})',
      finding: 'pool usage 100% of 10 connections',
    });
    expect(a.evidence.find((e) => e.source === 'logs')?.query).toBe('{job="workflows-api"} |= "pool acquire timeout"');
  });

  it('synchronised retries without jitter -> retry storm against the named dependency', async () => {
    const a = await observe(RETRY_STORM);
    expect(a.rootCause).toEqual({ category: 'retry-storm', components: ['payments-api-client', 'dependency-client', 'payments-api'] });
    expect(a.rootCauseHypothesis).toMatch(/no jitter/);
  });

  it('all worker slots busy and the queue growing -> task backlog', async () => {
    const a = await observe(TASK_BACKLOG);
    expect(a.rootCause).toEqual({ category: 'missing-timeout', components: ['task-worker-pool', 'task-queue'] });
    expect(a.summary).toMatch(/212 tasks waiting, growing 9.8\/s/);
  });

  it('RUNNING sagas not updated and none recovered -> stuck sagas', async () => {
    const a = await observe(STUCK_SAGAS, 'p2');
    expect(a.rootCause).toEqual({ category: 'stuck-workflow-state', components: ['saga-coordinator', 'saga-recovery'] });
    expect(a.severity).toBe('p2');
  });

  it('startup failures in the logs and no traffic -> bad deploy; without a severity on the alert it rates it p0', async () => {
    const a = await observe(BAD_DEPLOY, '');
    expect(a.rootCause).toEqual({ category: 'bad-deploy', components: ['deployment', 'startup-check'] });
    expect(a.severity).toBe('p0');
  });

  it('rates severity from the measured error ratio when the alert has none', async () => {
    expect((await observe(POOL_EXHAUSTION, '')).severity).toBe('p1');
    expect((await observe({ ...STUCK_SAGAS }, '')).severity).toBe('p2');
  });

  it('healthy signals match no symptom rule: it escalates instead of guessing', async () => {
    await expect(observe(HEALTHY)).rejects.toThrow(EscalationError);
    await expect(observe(HEALTHY)).rejects.toThrow(/no symptom rule of the observability runbook matches/);
  });

  it('one symptom is not enough: a full pool without acquire timeouts in the logs is not called pool exhaustion', async () => {
    await expect(observe({ ...POOL_EXHAUSTION, logs: {} })).rejects.toThrow(EscalationError);
  });
});

describe('backend playbook', () => {
  const assessment = (rootCause: Assessment['rootCause']): Assessment => ({
    severity: 'p0', summary: 's', rootCauseHypothesis: 'A release requires a dependency the environment does not provide.', rootCause,
    evidence: [{ source: 'logs', query: 'q', finding: 'f' }], affected: { service: 'workflows-api', endpoints: [] },
  });
  const repoTools = (): Signals['tools'] => ({
    'github.get_file_contents': { content: [{ type: 'text', text: JSON.stringify({ type: 'file', path: 'service.config.json', encoding: 'utf-8', content: '{"startup":{"requires":["payments-db","firestore"]}}\n' }) }] },
    'github.list_commits': { content: [{ type: 'text', text: JSON.stringify({ commits: [{ sha: 'abc1234', message: 'Release 1.5.0: use firestore for sessions' }] }) }] },
    'sandbox.run_code': { content: [{ type: 'text', text: JSON.stringify({ exitCode: 0, stdout: 'synced', stderr: '' }) }] },
    'sandbox.run_command': { content: [{ type: 'text', text: JSON.stringify({ exitCode: 1, stdout: 'not ok 9 - every startup requirement exists in the environment', stderr: '' }) }] },
  });

  it('a bad release is not patched: the remedy is a rollback, with no pull request', async () => {
    const tools = signalTools({ metrics: {}, logs: {}, tools: repoTools() });
    const fix = await runPersona(personas.backend, tools, { incident: incident('p0'), previous: { observability: assessment({ category: 'bad-deploy', components: ['deployment'] }) } });
    expect(fix).toMatchObject({ remedy: 'rollback', pullRequest: null, tests: { command: 'node --test', passed: false } });
    expect(fix.fixDesign.change).toContain('abc1234: Release 1.5.0: use firestore for sessions');
    expect(tools.calls.map((c) => c.name)).not.toContain('github.create_pull_request');
  });

  it('a root cause it has no procedure for is escalated', async () => {
    const tools = signalTools({ metrics: {}, logs: {}, tools: repoTools() });
    await expect(runPersona(personas.backend, tools, { incident: incident('p1'), previous: { observability: assessment({ category: 'code-defect', components: ['heap'] }) } }))
      .rejects.toThrow(/no procedure for this root cause/);
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

  it('rollback and maintenance do exactly that', async () => {
    const tools = signalTools({ metrics: {}, logs: {}, tools: {
      'deploy.rollback': { content: [{ type: 'text', text: JSON.stringify({ rollout: { ref: 'previous', revision: 'aaa111', releaseId: 'r1', outcome: 'succeeded', durationMs: 500 } }) }] },
      'deploy.maintenance_mode': { content: [{ type: 'text', text: JSON.stringify({ maintenance: { enabled: true, since: '2026-11-23T05:00:00Z' } }) }] },
    } });
    const rollback = await runPersona(personas.devops, tools, { incident: incident('p1'), previous: { workflow: { action: 'rollback' } } });
    expect(rollback).toMatchObject({ action: 'rollback', status: 'succeeded', ref: 'previous' });
    const maintenance = await runPersona(personas.devops, tools, { incident: incident('p1'), previous: { workflow: { action: 'maintenance' } } });
    expect(maintenance).toMatchObject({ action: 'maintenance', status: 'succeeded' });
    expect(tools.calls.map((c) => c.name)).toEqual(['deploy.rollback', 'deploy.maintenance_mode']);
  });
});
