// The whole workflow against the drill lab: the real target service under 3x load (pool exhaustion, seed
// 004), real Prometheus alerting, the forge, the sandbox and the deployer — all through the lab's MCP config,
// stdio servers included, exactly as `firebreak drill` hands it to a responder. Playbooks, no LLM.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadScenario } from '../../src/drills/scenario.js';
import { startLab, type Lab } from '../../src/lab/lab.js';
import { connectTools } from '../../src/tools/host/index.js';
import { playbookModels } from '../../src/workflows/playbooks.js';
import { createIncidentService } from '../../src/workflows/service.js';

let lab: Lab;

beforeAll(async () => {
  lab = await startLab(await loadScenario('pool-exhaustion'), { handleSignals: false });
}, 120_000);

afterAll(async () => {
  await lab?.stop();
});

describe('incident response in the drill lab', () => {
  it('resolves the pool-exhaustion incident end to end and the lab\'s own SLO checks hold afterwards', async () => {
    await new Promise((r) => setTimeout(r, 6_000)); // warm-up: the baseline traffic is scraped
    await lab.inject();
    const alert = await lab.waitForAlert({ timeoutMs: 90_000 });
    const tools = await connectTools({ mcpServers: lab.mcpServers as never, serverOptions: { sandbox: { callTimeoutMs: 90_000 } } });
    const service = await createIncidentService({
      tools, model: await playbookModels(), approval: { policy: 'auto' }, repository: 'acme/workflows-api',
      workflow: { verification: { window: '10s', holdSeconds: 10, deadlineSeconds: 90, intervalSeconds: 2 } },
    });
    try {
      const record = await (await service.respond(alert, { id: 'inc-lab-pool' })).done;
      expect(record.status, record.outcome?.summary).toBe('resolved');
      expect((record.outputs.observability as { rootCause: unknown }).rootCause).toEqual({ category: 'resource-exhaustion', components: ['database-connection-pool'], settings: ['pool'] });
      expect(record.actions.map((a) => a.kind)).toEqual(['branch', 'commit', 'pull_request', 'merge', 'deploy']);
      expect(lab.forge.events.list().some((e) => e.type === 'pull_request.merged')).toBe(true);
      // The lab's SLOs (measured at its ingress, not by the workflow) hold too.
      const report = await lab.waitForSlos({ holdSeconds: 5, timeoutMs: 60_000 });
      expect(report.ok).toBe(true);
    } finally {
      await service.close();
      await tools.close();
    }
  }, 300_000);
});
