// Crash and resume with real processes: the responder is SIGKILLed the moment the PR exists (possibly before
// the journal recorded it: the github server's idempotency key then returns the same PR), resumed and killed
// in the middle of the deploy call (the deploy goes on in the deployer; the resumed step repeats the call with
// the same idempotency key and gets that rollout), resumed and killed again while it verifies the deploy, then
// resumed to the end. The journal (SQLite) makes every resumed run replay what was done, and the tools'
// idempotency keys cover the calls that were in flight: one PR, one merge, one deploy reach the world.
import { execFile, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openMemory } from '../../src/memory/open.js';
import { ApprovalBroker } from '../../src/workflows/approval-broker.js';
import type { IncidentRecord } from '../../src/workflows/incident.js';
import { OWNER, poolAlert, SERVICE, settle, startWorld, type World } from './helpers/world.js';

let world: World;
const children = new Set<ChildProcessWithoutNullStreams>();

beforeAll(async () => {
  world = await startWorld();
  await world.reset();
  await settle();
}, 60_000);

afterEach(() => {
  for (const c of children) c.kill('SIGKILL');
});

afterAll(async () => {
  await world?.stop();
});

interface Child {
  output(): string;
  exited: Promise<number | string>;
  waitFor(text: string): Promise<void>;
  kill(): Promise<number | string>;
}

function child(args: string[], env: Record<string, string> = {}): Child {
  const script = fileURLToPath(new URL('./fixtures/respond-child.mjs', import.meta.url));
  const proc = spawn(process.execPath, [script, ...args], { stdio: 'pipe', env: { ...process.env, FIREBREAK_LOG_LEVEL: 'error', ...env } });
  children.add(proc);
  let out = '';
  let err = '';
  proc.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  proc.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exited = new Promise<number | string>((resolve) => proc.once('exit', (code, signal) => {
    children.delete(proc);
    resolve(code ?? signal ?? -1);
  }));
  return {
    output: () => out,
    exited,
    waitFor: (text) => new Promise((resolve, reject) => {
      const check = (): void => {
        if (out.includes(text)) {
          proc.stdout.off('data', check);
          resolve();
        }
      };
      proc.stdout.on('data', check);
      check();
      void exited.then((code) => reject(new Error(`child exited (${code}) before '${text}':\n${out}\n${err}`)));
    }),
    async kill() {
      proc.kill('SIGKILL');
      return exited;
    },
  };
}

describe('crash and resume', () => {
  it('a responder killed mid-incident resumes without reopening the PR or repeating the deploy', async () => {
    const id = 'inc-crash-resume';
    const memoryUrl = `sqlite:${join(world.dir, 'responder.db')}`;
    const servers = join(world.dir, 'servers.json');
    const alert = join(world.dir, 'alert.json');
    await writeFile(servers, JSON.stringify({ mcpServers: world.stdioServers(), repository: `${OWNER}/${SERVICE}` }));
    await writeFile(alert, JSON.stringify(poolAlert('critical')));
    const deploysBefore = world.deployer.rollouts().length;

    const first = child([memoryUrl, id, servers, 'start', alert]);
    await first.waitFor('action pull_request');
    expect(await first.kill()).toBe('SIGKILL');

    // A deploy that takes 2 s, so the responder can be killed while its deploy call is in flight.
    const hook = join(world.dir, 'deploy-hook.mjs');
    const hookSource = await readFile(hook, 'utf8');
    await writeFile(hook, `await new Promise((r) => setTimeout(r, 2000));\n${hookSource}`);
    const deploying = (): boolean => world.deployer.rollouts().slice(deploysBefore).some((r) => r.kind === 'deploy' && r.trigger === 'tool' && r.outcome === 'in-progress');
    try {
      const second = child([memoryUrl, id, servers, 'resume']);
      await new Promise<void>((resolve, reject) => {
        const timer = setInterval(() => {
          if (deploying()) {
            clearInterval(timer);
            resolve();
          }
        }, 20);
        void second.exited.then((code) => {
          clearInterval(timer);
          reject(new Error(`second responder exited (${code}) before deploying:\n${second.output()}`));
        });
      });
      expect(await second.kill()).toBe('SIGKILL');
      // The second process did not run stage 1 again, opened no second PR, and never saw its deploy's answer.
      expect(second.output()).not.toContain('persona.start observability');
      expect(second.output()).not.toMatch(/^action deploy/m);
    } finally {
      await writeFile(hook, hookSource);
    }

    const third = child([memoryUrl, id, servers, 'resume']);
    await third.waitFor('verify.start');
    expect(await third.kill()).toBe('SIGKILL');
    // The repeated deploy call was answered with the rollout the killed process started: no second rollout.
    expect(third.output()).toMatch(/^action deploy /m);
    expect(world.deployer.rollouts().slice(deploysBefore).filter((r) => r.kind === 'deploy')).toHaveLength(1);

    const fourth = child([memoryUrl, id, servers, 'resume']);
    expect(await fourth.exited, fourth.output()).toBe(0);
    expect(fourth.output()).toContain('DONE resolved');
    // No persona ran again. (If the third process died before saving its deploy to the record, the fourth
    // recovers it from the journal: "action deploy <sha> (recovered from the journal)"; see recorder.test.ts.)
    expect(fourth.output()).not.toMatch(/persona\.start|action deploy \w+$/m);

    // The world saw each side effect once.
    const pulls = (await world.api('/pulls?state=all&per_page=100')) as { head: { ref: string }; merged_at: string | null }[];
    const ours = pulls.filter((p) => p.head.ref === `hotfix/${id}-connection-pool`);
    expect(ours).toHaveLength(1);
    expect(ours[0]!.merged_at).not.toBeNull();
    const deploys = world.deployer.rollouts().slice(deploysBefore).filter((r) => r.kind === 'deploy');
    expect(deploys).toHaveLength(1);
    expect(world.sim.poolSize).toBeGreaterThanOrEqual(23);

    // The stored record tells the whole story, across the four processes.
    const memory = await openMemory(memoryUrl);
    try {
      const record = (await memory.get(`incident-${id}`, 'record')) as unknown as IncidentRecord;
      expect(record.status).toBe('resolved');
      expect(record.actions.map((a) => a.kind)).toEqual(['branch', 'commit', 'pull_request', 'merge', 'deploy']);
      expect(record.timeline.filter((e) => e.kind === 'resumed')).toHaveLength(3);
      expect(await memory.journal().status(id)).toMatchObject({ state: 'completed', attempts: 4 });
    } finally {
      await memory.close();
    }
  }, 180_000);

  it('killed while waiting for approval: the request stays pending, is decided while nobody runs, and the resumed incident acts on it', async () => {
    await world.reset();
    await settle();
    const id = 'inc-crash-approval';
    const memoryUrl = `sqlite:${join(world.dir, 'approval.db')}`;
    const servers = join(world.dir, 'servers.json');
    const alert = join(world.dir, 'alert.json');
    const config = join(world.dir, 'approve.config.json');
    await writeFile(servers, JSON.stringify({ mcpServers: world.stdioServers(), repository: `${OWNER}/${SERVICE}` }));
    await writeFile(alert, JSON.stringify(poolAlert('critical')));
    await writeFile(config, JSON.stringify({ memory: memoryUrl }));
    const approveCli = (): Promise<{ code: number; out: string }> => new Promise((resolve) => execFile(process.execPath,
      [fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url)), 'approve', id, '--config', config],
      { env: { ...process.env, USER: 'oncall', FIREBREAK_LOG_LEVEL: 'error' } },
      (error, stdout, stderr) => resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, out: stdout + stderr })));
    const requirePolicy = { FIREBREAK_TEST_APPROVAL: 'require' };

    const first = child([memoryUrl, id, servers, 'start', alert], requirePolicy);
    await first.waitFor('approval.requested approval requested for github.merge_pull_request');
    expect(await first.kill()).toBe('SIGKILL');
    // Nobody runs the incident now; the on-call approves anyway, from the store.
    const merge = await approveCli();
    expect(merge.code, merge.out).toBe(0);
    expect(merge.out).toMatch(/^approved github\.merge_pull_request /);

    const second = child([memoryUrl, id, servers, 'resume'], requirePolicy);
    await second.waitFor('approval.requested approval requested for deploy.deploy_service');
    // The merge went ahead on the decision made while the process was dead: it was not asked again.
    expect(second.output()).toMatch(/^action merge /m);
    const deploy = await approveCli();
    expect(deploy.code, deploy.out).toBe(0);
    expect(await second.exited, second.output()).toBe(0);
    expect(second.output()).toContain('DONE resolved');

    const memory = await openMemory(memoryUrl);
    try {
      const record = (await memory.get(`incident-${id}`, 'record')) as unknown as IncidentRecord;
      expect(record.approvals.map((a) => [a.request.action, a.decision?.approved, a.decision?.by])).toEqual([
        ['github.merge_pull_request', true, 'cli:oncall'],
        ['deploy.deploy_service', true, 'cli:oncall'],
      ]);
      // One request per action in the store: the resumed run re-attached instead of asking twice.
      const requests = await new ApprovalBroker({ store: memory }).requests(id);
      expect(requests.map((r) => [r.request.action, r.decision?.by, r.closed])).toEqual([
        ['github.merge_pull_request', 'cli:oncall', true],
        ['deploy.deploy_service', 'cli:oncall', true],
      ]);
    } finally {
      await memory.close();
    }
  }, 180_000);
});
