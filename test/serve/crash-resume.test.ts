// `firebreak serve` killed with SIGKILL in the middle of a response, twice, against real MCP servers (the git
// forge behind the github server, the lab's command deployer behind its deploy server, Prometheus, the
// sandbox): each restart resumes the incident on its own — nobody calls resume — from the run journal, and
// the world sees one pull request, one merge and one deploy. An Alertmanager repeat received after a restart
// joins the incident instead of opening another.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openMemory } from '../../src/memory/open.js';
import type { IncidentRecord } from '../../src/workflows/incident.js';
import { FAST_VERIFICATION, OWNER, SERVICE, settle, startWorld, type World } from '../workflows/helpers/world.js';
import { eventually, http, killAll, startCli, type ServeProcess } from './helpers.js';

let world: World;

beforeAll(async () => {
  world = await startWorld();
  await world.reset();
  await settle();
}, 60_000);

afterEach(() => killAll());

afterAll(async () => {
  await world?.stop();
});

/** The pool-exhaustion alert as Alertmanager sends it. */
function webhook(fingerprint: string): Record<string, unknown> {
  return {
    version: '4', status: 'firing', receiver: 'firebreak', groupKey: '{}:{alertname="APIErrorRateHigh"}',
    alerts: [{
      status: 'firing', fingerprint,
      labels: { alertname: 'APIErrorRateHigh', service: SERVICE, job: SERVICE, endpoint: '/api/workflows/execute', severity: 'critical' },
      annotations: { summary: 'API error rate above 5% on /api/workflows/execute', description: 'Error ratio is 15% on sim-api.' },
      startsAt: new Date(Date.now() - 20_000).toISOString(),
    }],
  };
}

describe('firebreak serve: crash and resume', () => {
  it('a server killed twice mid-incident resumes it on restart: one PR, one merge, one deploy', async () => {
    const dir = world.dir;
    await writeFile(join(dir, 'serve.config.json'), JSON.stringify({
      mcpServers: world.stdioServers(),
      tools: { serverOptions: { sandbox: { callTimeoutMs: 90_000 } } },
      memory: 'sqlite:serve-state/firebreak.db',
      approval: { policy: 'auto' },
      repository: `${OWNER}/${SERVICE}`,
      verification: FAST_VERIFICATION,
      deploy: { backoffSeconds: 0.5 },
      postmortemDir: 'serve-incidents',
      serve: { port: 0 },
    }));
    const start = (): Promise<ServeProcess> => startCli(['serve', '--config', 'serve.config.json'], { cwd: dir, env: { FIREBREAK_LOG_LEVEL: 'error' } });
    const deploysBefore = world.deployer.rollouts().length;

    const first = await start();
    const accepted = await http(`${first.url}/api/v1/alerts/alertmanager`, { body: webhook('9e0c1b2a3d4f5e6a') });
    expect(accepted.status).toBe(202);
    const id = accepted.body.opened[0].id as string;
    const ours = async (): Promise<{ head: { ref: string }; merged_at: string | null }[]> =>
      ((await world.api('/pulls?state=all&per_page=100')) as { head: { ref: string }; merged_at: string | null }[]).filter((p) => p.head.ref.startsWith(`hotfix/${id}`));
    // Killed the moment the pull request exists (maybe before the journal recorded it).
    await eventually('the fix PR', async () => (await ours()).length > 0, 120_000, 50);
    expect(await first.kill()).toBe('SIGKILL');

    // A deploy that takes 2 s, so the second server can be killed while its deploy call is in flight.
    const hook = join(dir, 'deploy-hook.mjs');
    const hookSource = await readFile(hook, 'utf8');
    await writeFile(hook, `await new Promise((r) => setTimeout(r, 2000));\n${hookSource}`);
    const deploying = (): boolean => world.deployer.rollouts().slice(deploysBefore).some((r) => r.kind === 'deploy' && r.trigger === 'tool' && r.outcome === 'in-progress');
    let second: ServeProcess;
    try {
      second = await start();
      expect(second.ready.recovered).toEqual([id]);
      await eventually('the deploy to be in flight', async () => deploying(), 120_000, 20);
      expect(await second.kill()).toBe('SIGKILL');
    } finally {
      await writeFile(hook, hookSource);
    }

    const third = await start();
    expect(third.ready.recovered).toEqual([id]);
    // A repeat of the still-firing alert, received by the restarted server, joins the incident.
    const repeat = await http(`${third.url}/api/v1/alerts/alertmanager`, { body: webhook('9e0c1b2a3d4f5e6a') });
    expect(repeat.body).toMatchObject({ opened: [], deduplicated: [{ id, fingerprints: ['9e0c1b2a3d4f5e6a'] }] });
    const record = await eventually('the incident to end', async () => {
      const r = (await http(`${third.url}/api/v1/incidents/${id}`)).body as IncidentRecord;
      return r.endedAt ? r : undefined;
    }, 150_000, 250);
    expect(record.status, record.outcome?.summary).toBe('resolved');
    expect(await third.stop()).toBe(0);

    // The world saw each side effect once.
    const pulls = await ours();
    expect(pulls).toHaveLength(1);
    expect(pulls[0]!.merged_at).not.toBeNull();
    expect(world.deployer.rollouts().slice(deploysBefore).filter((r) => r.kind === 'deploy')).toHaveLength(1);
    expect(world.sim.poolSize).toBeGreaterThanOrEqual(23);
    expect(record.actions.filter((a) => a.kind === 'pull_request')).toHaveLength(1);
    expect(record.actions.filter((a) => a.kind === 'merge')).toHaveLength(1);
    expect(record.actions.filter((a) => a.kind === 'deploy')).toHaveLength(1);
    expect(record.timeline.filter((e) => e.kind === 'resumed')).toHaveLength(2);
    expect(record.alerts).toEqual([expect.objectContaining({ fingerprint: '9e0c1b2a3d4f5e6a', status: 'firing', notifications: 2, opened: true })]);

    const memory = await openMemory(`sqlite:${join(dir, 'serve-state', 'firebreak.db')}`);
    try {
      expect((await memory.list('incidents')).map((e) => e.key)).toEqual([id]);
      expect(await memory.journal().status(id)).toMatchObject({ state: 'completed', attempts: 3 });
    } finally {
      await memory.close();
    }
  }, 420_000);
});
