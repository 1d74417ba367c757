// Each severity route end to end with the shipped playbooks (no LLM): real Prometheus, real grafana, github
// (over a real git forge), sandbox (bubblewrap) and deploy MCP servers, through the real tool host.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { notifierFromConfig } from '../../src/workflows/notifier.js';
import { actions, responder, startWebhook, type Webhook } from './helpers/service.js';
import { INITIAL_CONFIG, poolAlert, settle, startWorld, type World } from './helpers/world.js';

let world: World;
let webhook: Webhook;

beforeAll(async () => {
  world = await startWorld();
  webhook = await startWebhook();
}, 60_000);

afterAll(async () => {
  await webhook?.close();
  await world?.stop();
});

beforeEach(async () => {
  // Every test starts from the incident: main's pool of 10 deployed, traffic tripled.
  await world.reset();
  webhook.received.length = 0;
  await settle();
});

describe('incident workflow routes (playbooks, real MCP servers)', () => {
  it('p1: detects pool exhaustion, opens a tested PR, merges, deploys and verifies recovery', async () => {
    const r = await responder(world);
    try {
      const { id, done } = await r.service.respond(poolAlert('critical'), { id: 'inc-p1-route' });
      const record = await done;
      expect(record.status, record.outcome?.summary).toBe('resolved');
      expect(record.severity).toBe('p1');
      const assessment = record.outputs.observability as { rootCause: { category: string; components: string[] }; evidence: { query: string }[] };
      expect(assessment.rootCause).toEqual({ category: 'resource-exhaustion', components: ['database-connection-pool'], settings: ['pool'] });
      expect(assessment.evidence.map((e) => e.query).join('\n')).toContain('database_connection_pool_active');
      expect(actions(record)).toEqual(['branch', 'commit', 'pull_request', 'merge', 'deploy']);
      // The world changed: the PR is merged and the running config is the fix.
      const fix = record.outputs.backend as { pullRequest: { number: number }; tests: { passed: boolean } };
      const pr = (await world.api(`/pulls/${fix.pullRequest.number}`)) as { merged: boolean; body: string };
      expect(pr.merged).toBe(true);
      expect(pr.body).toContain('## Root Cause');
      expect(pr.body).toContain('database_connection_pool_active');
      // Little's law: ~60 req/s x 0.19 s = ~11.4 connections in flight; 2x headroom -> 23.
      expect(pr.body).toMatch(/## Expected effect\n\npool 10 -> 2\d: [56]\d(\.\d)? req\/s x 0\.19 s per query/);
      expect(world.sim.poolSize).toBeGreaterThanOrEqual(23);
      expect(world.sim.poolSize).toBeLessThanOrEqual(26);
      expect(record.timeline.some((e) => e.kind === 'fix.checked')).toBe(true);
      expect(fix.tests.passed).toBe(true);
      const devops = record.outputs.devops as { outcome: string; verification: { healthy: boolean; checks: { query: string }[] } };
      expect(devops).toMatchObject({ outcome: 'fix-verified', verification: { healthy: true } });
      // Verification measured the fix's expected effect too, not only the SLOs.
      expect(devops.verification.checks.map((c) => c.query).join('\n')).toContain('avg_over_time(database_connection_pool_active');
      expect(record.approvals.map((a) => `${a.request.action}:${a.decision?.by}`)).toEqual(['github.merge_pull_request:policy:auto', 'deploy.deploy_service:policy:auto']);
      // Findings are in the incident's memory namespace; the record is stored too.
      expect(await r.service.get(id)).toMatchObject({ status: 'resolved' });
      const postmortem = await r.service.postmortem(id);
      expect(postmortem).toMatch(/## Root Cause[\s\S]*resource-exhaustion/);
      expect(postmortem).toContain('## Timeline');
      expect(postmortem).toContain('## Action Items');
    } finally {
      await r.close();
    }
  }, 120_000);

  it('p0: escalates to the channel and the pager first, then responds like p1', async () => {
    const notifier = notifierFromConfig({ channel: { webhook: `${webhook.url}/channel` }, page: { webhook: `${webhook.url}/page` } });
    const r = await responder(world, { notifier });
    try {
      const record = await (await r.service.respond(poolAlert('page'), { id: 'inc-p0-route' })).done;
      expect(record.severity).toBe('p0');
      expect(webhook.received.map((n) => `${String(n.path)}:${String(n.reason)}`).sort()).toEqual(['/channel:p0-escalation', '/page:p0-escalation']);
      expect(record.timeline.findIndex((e) => e.kind === 'notification')).toBeLessThan(record.timeline.findIndex((e) => e.kind === 'persona.start'));
      expect(record.status, record.outcome?.summary).toBe('resolved');
    } finally {
      await r.close();
    }
  }, 120_000);

  it('p2: proposes the fix as a PR and deploys nothing', async () => {
    const r = await responder(world);
    const deploysBefore = world.deployer.rollouts().length;
    try {
      const record = await (await r.service.respond(poolAlert('warning'), { id: 'inc-p2-route' })).done;
      expect(record.severity).toBe('p2');
      expect(record.status, record.outcome?.summary).toBe('resolved');
      expect(record.outcome?.summary).toMatch(/Fix proposed for review in PR #\d+/);
      expect(actions(record)).toEqual(['branch', 'commit', 'pull_request']);
      const fix = record.outputs.backend as { pullRequest: { number: number } };
      expect(((await world.api(`/pulls/${fix.pullRequest.number}`)) as { state: string; merged: boolean })).toMatchObject({ state: 'open', merged: false });
      expect(world.deployer.rollouts().length).toBe(deploysBefore);
      expect(world.sim.poolSize).toBe(INITIAL_CONFIG.pool.size);
    } finally {
      await r.close();
    }
  }, 120_000);

  it('p3: files a ticket with github issue_write', async () => {
    const r = await responder(world);
    try {
      const record = await (await r.service.respond({ title: 'Disk usage above 70% on sim-api', severity: 'p3', labels: { service: 'sim-api' } }, { id: 'inc-p3-route' })).done;
      expect(record.status, record.outcome?.summary).toBe('resolved');
      expect(actions(record)).toEqual(['ticket']);
      const number = Number(record.actions[0]!.data?.number);
      const issue = (await world.api(`/issues/${number}`)) as { title: string; body: string; labels: { name: string }[] };
      expect(issue.title).toBe('[P3] Disk usage above 70% on sim-api');
      expect(issue.body).toContain('inc-p3-route');
      expect(record.timeline.some((e) => e.kind === 'persona.start')).toBe(false);
    } finally {
      await r.close();
    }
  }, 60_000);

  it('an alert without severity is assessed by the observability persona first, then routed', async () => {
    const r = await responder(world);
    try {
      const record = await (await r.service.respond(poolAlert(null), { id: 'inc-assessed' })).done;
      expect(record.timeline.find((e) => e.kind === 'severity')?.summary).toBe('severity assessed as p1');
      expect(record.timeline.find((e) => e.kind === 'route')?.summary).toBe('routed as p1 (assessment)');
      // Stage 1 ran once (triage), not again inside the p1 route.
      expect(record.timeline.filter((e) => e.kind === 'persona.start' && e.persona === 'observability')).toHaveLength(1);
      expect(record.status, record.outcome?.summary).toBe('resolved');
    } finally {
      await r.close();
    }
  }, 120_000);
});
