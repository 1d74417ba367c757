// Stage 3's failure paths with the real deployer and real Prometheus, first do no harm: a deploy that fails
// once and is retried; a fix that does not verify, so the pre-incident release is restored (there is no
// known-good one to go to) and maintenance mode is only ever a human's call; a bad release — and a failed
// hotfix on top of it — rolled back to the last known-good release; an incident no runbook explains, which
// escalates and changes nothing; and a tool server that hangs, whose circuit breaker opens in the timeline.
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { connectTools } from '../../src/tools/host/index.js';
import { createIncidentService } from '../../src/workflows/service.js';
import { playbookModels } from '../../src/workflows/playbooks.js';
import { actions, responder } from './helpers/service.js';
import { OWNER, poolAlert, SERVICE, settle, startWorld, type World } from './helpers/world.js';

let world: World;

beforeAll(async () => {
  world = await startWorld();
}, 60_000);

afterAll(async () => {
  await world?.stop();
});

beforeEach(async () => {
  await world.reset();
  await settle();
});

describe('devops fallback chain', () => {
  it('retries a deploy that failed (the release did not come up), then verifies', async () => {
    world.sim.failNextDeploys = 1;
    const r = await responder(world);
    try {
      const record = await (await r.service.respond(poolAlert('critical'), { id: 'inc-deploy-retry' })).done;
      expect(record.status, record.outcome?.summary).toBe('resolved');
      const retries = record.timeline.filter((e) => e.kind === 'retry');
      expect(retries).toHaveLength(1);
      expect(retries[0]!.summary).toMatch(/retrying deploy .*ActionFailedError/);
      // One line naming ref, revision and reason: the service's log tail stays in the rollout record.
      expect(retries[0]!.summary).toMatch(/deploy of [0-9a-f]{40} \([0-9a-f]{7}\) FAILED: deploy command exited with 1\./);
      expect(retries[0]!.summary).not.toMatch(/\n|--- service/);
      expect(record.actions.filter((a) => a.kind === 'deploy').map((a) => a.data?.outcome)).toEqual(['failed', 'succeeded']);
      // The retried attempt is a new conversation of the devops persona, at its own path.
      expect(record.timeline.filter((e) => e.kind === 'persona.start' && e.persona === 'devops')).toHaveLength(2);
    } finally {
      await r.close();
    }
  }, 120_000);

  it('a fix that does not verify: with no known-good release, the pre-incident release is restored; maintenance needs a human, so it escalates', async () => {
    // 400 req/s need ~76 connections and the database allows 20: whatever pool size the fix computes, it
    // cannot restore the SLOs.
    world.sim.load = 20;
    world.sim.databaseMaxConnections = 20;
    await settle(2_000);
    const r = await responder(world, { approval: { policy: 'auto', human: false }, workflow: { verification: { window: '4s', holdSeconds: 3, deadlineSeconds: 8, intervalSeconds: 1 } } });
    try {
      const record = await (await r.service.respond(poolAlert('critical'), { id: 'inc-restore' })).done;
      expect(record.status).toBe('unresolved');
      expect(actions(record), record.outcome?.summary).toEqual(['branch', 'commit', 'pull_request', 'merge', 'deploy', 'rollback']);
      const devops = record.outputs.devops as { outcome: string; summary: string; maintenanceMode: boolean; verifications: { target: string; healthy: boolean }[] };
      expect(devops.outcome).toBe('restored');
      expect(devops.summary).toMatch(/^Not resolved: .*the fix did not verify.*The pre-incident release is back, so the service is no worse than it was found/);
      expect(devops.verifications.map((v) => `${v.target}:${v.healthy}`)).toEqual(['fix:false']);
      expect(devops.maintenanceMode).toBe(false);
      // The rollback went to the release that ran when the response began, named explicitly.
      const last = world.deployer.rollouts().at(-1)!;
      expect(`${last.kind}:${last.trigger}:${last.releaseId}:${last.revision}`).toBe(`rollback:tool:r1:${world.initialSha}`);
      expect(world.sim.poolSize).toBe(10);
      // Maintenance was asked for, recorded as an escalation, and refused: nobody could approve it.
      expect(record.timeline.some((e) => e.kind === 'escalation' && /maintenance_mode always needs a human/.test(e.summary))).toBe(true);
      expect(record.approvals.map((a) => `${a.request.action}:${a.decision?.approved}:${a.decision?.by}`)).toContain('deploy.maintenance_mode:false:policy:human-only');
      expect(world.sim.maintenance()).toBe(false);
      const pm = (await r.service.postmortem(record.id))!;
      expect(pm).toContain('The fix did not verify');
      expect(pm).toContain('The pre-incident release was restored');
    } finally {
      await r.close();
    }
  }, 120_000);

  it('maintenance mode only with a human\'s approval: asked of the on-call, recorded as an escalation, and it can be turned off', async () => {
    world.sim.load = 20;
    world.sim.databaseMaxConnections = 20;
    await settle(2_000);
    const r = await responder(world, { workflow: { verification: { window: '4s', holdSeconds: 3, deadlineSeconds: 8, intervalSeconds: 1 } } });
    // The on-call approves maintenance mode when it is asked; everything else is auto-approved by policy.
    r.service.broker.on('requested', (req: { id: string; runId: string; action: string }) => {
      if (req.action === 'deploy.maintenance_mode') void r.service.approve(req.runId, req.id, 'oncall:alice', 'shed traffic while we scale the database');
    });
    try {
      const record = await (await r.service.respond(poolAlert('critical'), { id: 'inc-maintenance' })).done;
      expect(actions(record), record.outcome?.summary).toEqual(['branch', 'commit', 'pull_request', 'merge', 'deploy', 'rollback', 'maintenance']);
      expect(record.status).toBe('unresolved');
      const devops = record.outputs.devops as { outcome: string; summary: string };
      expect(devops.outcome).toBe('maintenance');
      expect(devops.summary).toMatch(/Maintenance mode is ON \(a human approved it\)/);
      expect(devops.summary).toContain('maintenance_mode { "enabled": false }');
      expect(record.approvals.find((a) => a.request.action === 'deploy.maintenance_mode')?.decision).toMatchObject({ approved: true, by: 'oncall:alice' });
      expect(record.timeline.some((e) => e.kind === 'escalation')).toBe(true);
      expect(world.sim.maintenance()).toBe(true);
      // The way back: the deploy tool turns it off (not held by the gate: it restores service).
      const off = await r.tools.call('deploy.maintenance_mode', { enabled: false, reason: 'database scaled' });
      expect(off.isError ?? false).toBe(false);
      expect(world.sim.maintenance()).toBe(false);
    } finally {
      await r.close();
    }
  }, 120_000);

  it('a release that breaks requests at unchanged traffic is rolled back to the last known-good release, not patched', async () => {
    // A healthy service (20 req/s, pool of 10), then release 1.5.0 whose new renderer fails a third of the requests.
    await world.reset({ load: 1 });
    await settle(10_000);
    await world.release({ service: { version: '1.5.0', renderer: 'v2' } }, 'Release 1.5.0: new workflow renderer');
    await settle(6_000);
    const r = await responder(world);
    try {
      const record = await (await r.service.respond(poolAlert('critical', 4), { id: 'inc-bad-release' })).done;
      expect(record.status, record.outcome?.summary).toBe('resolved');
      const a = record.outputs.observability as { rootCause: { category: string; components: string[] } };
      expect(a.rootCause).toMatchObject({ category: 'bad-deploy', components: ['deployment'] });
      expect(actions(record)).toEqual(['rollback']);
      const last = world.deployer.rollouts().at(-1)!;
      expect(`${last.kind}:${last.releaseId}:${last.revision}`).toBe(`rollback:r1:${world.initialSha}`);
      expect(world.sim.config.service?.renderer).toBeUndefined();
      expect((record.outputs.devops as { outcome: string }).outcome).toBe('rollback-verified');
    } finally {
      await r.close();
    }
  }, 120_000);

  it('after a failed hotfix on top of a bad release, the rollback goes to the release before the bad one', async () => {
    await world.reset({ load: 1 });
    await settle(10_000);
    await world.release({ service: { version: '1.5.0', renderer: 'v2' } }, 'Release 1.5.0: new workflow renderer');
    const symptomAt = Date.now() + 2_000;
    await settle(3_000);
    // The team's hotfix: a bigger pool. It does not touch the renderer, so requests keep failing.
    await world.release({ service: { version: '1.5.1' }, pool: { size: 30 } }, 'Release 1.5.1: hotfix, bigger pool');
    await settle(5_000);
    const r = await responder(world);
    try {
      const alert = { ...poolAlert('critical'), activeAt: new Date(symptomAt).toISOString() };
      const record = await (await r.service.respond(alert, { id: 'inc-hotfix' })).done;
      expect(record.status, record.outcome?.summary).toBe('resolved');
      const changes = record.outputs.changes as { knownGood: { releaseId: string }; suspect: { change: { release: { releaseId: string } } } };
      expect(changes.knownGood.releaseId).toBe('r1');
      expect(changes.suspect.change.release.releaseId).toBe('r2');
      const rollbacks = world.deployer.rollouts().filter((x) => x.kind === 'rollback');
      expect(rollbacks.map((x) => x.releaseId)).toEqual(['r1']);
      expect(world.sim.config.service?.renderer).toBeUndefined();
    } finally {
      await r.close();
    }
  }, 120_000);

  it('an incident no runbook explains escalates with the evidence and changes nothing', async () => {
    await world.reset({ load: 1 });
    world.sim.unexplainedErrors = 0.4;
    await settle(6_000);
    const rollouts = world.deployer.rollouts().length;
    const r = await responder(world);
    try {
      const record = await (await r.service.respond(poolAlert('critical', 5), { id: 'inc-unknown' })).done;
      expect(record.status).toBe('unresolved');
      expect(record.outcome?.summary).toMatch(/the evidence does not identify a cause, so nothing is changed; a human must investigate/);
      const a = record.outputs.observability as { status: string; rootCause: unknown; evidence: unknown[] };
      expect(a).toMatchObject({ status: 'unknown', rootCause: null });
      expect(a.evidence.length).toBeGreaterThan(0);
      expect(record.actions).toEqual([]);
      expect(world.deployer.rollouts().length).toBe(rollouts);
    } finally {
      await r.close();
    }
  }, 120_000);

  it('a hung tool server trips its circuit breaker (visible in the timeline) and the persona escalates instead of guessing', async () => {
    const hung = (): McpServer => {
      const server = new McpServer({ name: 'hung-grafana', version: '0.0.0' });
      for (const name of ['query_prometheus', 'query_loki_logs', 'alerting_manage_rules']) {
        server.registerTool(name, { description: 'hangs', inputSchema: { expr: z.string().optional(), logql: z.string().optional(), operation: z.string().optional() }, annotations: { readOnlyHint: true } },
          (_args, extra) => new Promise((resolve) => extra.signal.addEventListener('abort', () => resolve({ content: [{ type: 'text', text: 'aborted' }], isError: true }))));
      }
      return server;
    };
    const mcpServers = { ...world.mcpServers(), grafana: { server: hung } };
    const tools = await connectTools({ mcpServers: mcpServers as never, callTimeoutMs: 300, retry: { attempts: 1 }, breaker: { failureThreshold: 3, halfOpenAfterMs: 60_000 } });
    const service = await createIncidentService({ tools, model: await playbookModels(), approval: { policy: 'auto' }, repository: `${OWNER}/${SERVICE}` });
    try {
      const record = await (await service.respond(poolAlert('critical'), { id: 'inc-breaker' })).done;
      const breaker = record.timeline.find((e) => e.kind === 'breaker');
      expect(breaker?.summary).toBe("circuit breaker 'grafana' closed -> open");
      expect(tools.status().find((s) => s.name === 'grafana')?.breaker).toBe('open');
      expect(record.status).toBe('unresolved');
      expect(record.outcome?.error).toMatch(/EscalationError: playbook 'observability'/);
      expect(record.actions).toEqual([]);
      expect(await service.postmortem(record.id)).toMatch(/The circuit breaker of grafana opened/);
    } finally {
      await service.close();
      await tools.close();
    }
  }, 60_000);
});
