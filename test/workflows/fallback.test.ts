// Stage 3's failure paths with the real deployer and real Prometheus: a deploy that fails once and is
// retried; a fix that does not verify, so the fallback rolls back and, when that does not hold either, turns
// maintenance mode on; and a tool server that hangs, whose circuit breaker opens in the incident timeline.
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

  it('a fix that does not verify is rolled back; a rollback that does not hold ends in maintenance mode', async () => {
    // 400 req/s: more than even a pool of 50 serves, so the fix cannot restore the SLOs.
    world.sim.load = 20;
    await settle(2_000);
    const r = await responder(world, { workflow: { verification: { window: '4s', holdSeconds: 3, deadlineSeconds: 8, intervalSeconds: 1 } } });
    try {
      const record = await (await r.service.respond(poolAlert('critical'), { id: 'inc-fallback' })).done;
      expect(record.status).toBe('unresolved');
      expect(record.outcome?.summary).toMatch(/Maintenance mode is on/);
      expect(actions(record)).toEqual(['branch', 'commit', 'pull_request', 'merge', 'deploy', 'rollback', 'maintenance']);
      const ends = record.timeline.filter((e) => e.kind === 'verify.end').map((e) => e.summary);
      expect(ends).toEqual(['the fix did NOT verify before the deadline', 'the rollback did NOT verify before the deadline']);
      const devops = record.outputs.devops as { outcome: string; rollback: { performed: boolean; reason: string }; maintenanceMode: boolean; verifications: { target: string; healthy: boolean; checks: { name: string; value?: number }[] }[] };
      expect(devops.outcome).toBe('maintenance');
      expect(devops.rollback.performed).toBe(true);
      expect(devops.rollback.reason).toMatch(/the fix did not verify: error-rate=/);
      expect(devops.verifications.map((v) => `${v.target}:${v.healthy}`)).toEqual(['fix:false', 'rollback:false']);
      // The deployer did what the timeline says: deploy of the merge commit, then a rollback; maintenance is on.
      expect(world.deployer.rollouts().slice(-2).map((x) => `${x.kind}:${x.trigger}`)).toEqual(['deploy:tool', 'rollback:tool']);
      expect(world.sim.maintenance()).toBe(true);
      const pm = (await r.service.postmortem(record.id))!;
      expect(pm).toContain('The fix did not verify');
      expect(pm).toContain('Maintenance mode is ON');
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
