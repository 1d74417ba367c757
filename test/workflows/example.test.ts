// examples/incident-response.ts (the seed's workflow written with the public, compiled API) kept running
// against the same real world as the workflow tests.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectTools } from '../../dist/tools/host/index.js';
import { respondOnce } from '../../examples/incident-response.js';
import { OWNER, poolAlert, SERVICE, settle, startWorld, type World } from './helpers/world.js';

let world: World;

beforeAll(async () => {
  world = await startWorld();
  await world.reset();
  await settle();
}, 60_000);

afterAll(async () => {
  await world?.stop();
});

describe('examples/incident-response.ts', () => {
  it('routes a p1 through observability -> backend -> devops and verifies the recovery', async () => {
    const host = await connectTools({ mcpServers: world.mcpServers() as never, serverOptions: { sandbox: { callTimeoutMs: 90_000 } } });
    try {
      const state = await respondOnce(host, poolAlert('critical'), { id: 'inc-example', repository: `${OWNER}/${SERVICE}`, verification: { window: '4s', holdSeconds: 3, deadlineSeconds: 25, intervalSeconds: 0.5 } });
      expect(state.assessment?.rootCause).toEqual({ category: 'resource-exhaustion', components: ['database-connection-pool'], settings: ['pool'] });
      expect(state.incident.changes?.summary).toMatch(/^No change to the service/);
      expect(state.fix?.pullRequest?.number).toBeGreaterThan(0);
      expect(state.actions.map((a) => `${a.action}:${a.status}`)).toEqual(['deploy:succeeded']);
      expect(state.verification?.healthy).toBe(true);
      expect(world.sim.poolSize).toBeGreaterThanOrEqual(23);
    } finally {
      await host.close();
    }
  }, 120_000);
});
