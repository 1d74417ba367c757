import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDeployer, createDeployerServer, startIngress, type Deployer, type Ingress } from '../../src/lab/deployer/index.js';
import { FORGE_IDENTITY, initRepo, openRepo } from '../../src/lab/forge/index.js';
import { repoTemplateFiles, toJsonFile } from '../../src/lab/repo-template/index.js';
import { tempDir } from './helpers/lab.js';

const GOOD_CONFIG = { service: { name: 'workflows-api', version: '1.4.2' }, pool: { size: 50, acquireTimeoutMs: 500, maxWaiters: 200 }, startup: { requires: ['payments-db'] }, observability: { statsLogIntervalMs: null } };

/** Commits `files` on top of `main` to `branch` with git plumbing, as a merged PR would. */
async function commitBranch(repoDir: string, branch: string, files: Record<string, string>, message: string): Promise<string> {
  const git = await openRepo(repoDir);
  const parent = (await git.resolveCommit('main')) as string;
  const changes = [];
  for (const [path, content] of Object.entries(files)) changes.push({ mode: '100644', sha: await git.writeBlob(Buffer.from(content)), path });
  const tree = await git.buildTree(`${parent}^{tree}`, changes);
  const sha = await git.commitTree(tree, [parent], message, FORGE_IDENTITY);
  await git.updateRef(`refs/heads/${branch}`, sha, '');
  return sha;
}

const text = (r: CallToolResult): string => r.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');
const structured = <T>(r: CallToolResult): T => r.structuredContent as T;

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('deployer MCP server (real target processes behind the ingress)', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let ingress: Ingress;
  let deployer: Deployer;
  let client: Client;
  const pids = new Set<number>();

  beforeAll(async () => {
    tmp = await tempDir('deployer');
    const repoDir = join(tmp.dir, 'repo.git');
    await initRepo({ repoDir, files: repoTemplateFiles({ config: GOOD_CONFIG, provides: ['payments-db'], owner: 'acme', repo: 'workflows-api' }) });
    await commitBranch(repoDir, 'release-1.5.0', { 'service.config.json': toJsonFile({ ...GOOD_CONFIG, service: { name: 'workflows-api', version: '1.5.0' }, startup: { requires: ['payments-db', 'firestore'] } }) }, 'Release 1.5.0');
    const logger = pino({ level: 'silent' });
    ingress = await startIngress({ logger });
    deployer = createDeployer({
      repoDir,
      releasesDir: join(tmp.dir, 'releases'),
      logFile: join(tmp.dir, 'logs', 'workflows-api.log'),
      dataDir: join(tmp.dir, 'data'),
      provides: { 'payments-db': '' },
      serviceName: 'workflows-api',
      maintenance: ingress,
      logger,
      onUpstream: (url, handle) => {
        ingress.setUpstream(url);
        if (handle) pids.add(handle.child.pid);
      },
    });
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await createDeployerServer(deployer).connect(serverSide);
    client = new Client({ name: 'deployer-test', version: '0' });
    await client.connect(clientSide);
  });

  afterAll(async () => {
    await client?.close();
    await deployer?.stop();
    await ingress?.close();
    await tmp?.cleanup();
  });

  const call = (name: string, args: Record<string, unknown> = {}): Promise<CallToolResult> => client.callTool({ name, arguments: args }) as Promise<CallToolResult>;
  const get = (path: string): Promise<Response> => fetch(`${ingress.url}${path}`, { signal: AbortSignal.timeout(5_000) });

  it('lists the four tools with the right hints', async () => {
    const { tools } = await client.listTools();
    const hints = Object.fromEntries(tools.map((t) => [t.name, t.annotations]));
    expect(Object.keys(hints).sort()).toEqual(['deploy_service', 'maintenance_mode', 'rollback', 'rollout_status']);
    for (const name of ['deploy_service', 'rollback', 'maintenance_mode']) expect(hints[name]?.destructiveHint).toBe(true);
    expect(hints.rollout_status?.readOnlyHint).toBe(true);
  });

  it('deploys a good ref: healthy, routed, recorded', async () => {
    const result = await call('deploy_service', { ref: 'main', reason: 'initial' });
    expect(result.isError).toBeFalsy();
    const { rollout } = structured<{ rollout: { outcome: string; revision: string; version: string; releaseId: string } }>(result);
    expect(rollout).toMatchObject({ outcome: 'succeeded', version: '1.4.2', releaseId: 'r1' });
    const health = await get('/healthz');
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ version: '1.4.2', revision: rollout.revision });
  });

  it('reports a crash-looping release as failed with the stderr tail, and does not roll back', async () => {
    const result = await call('deploy_service', { ref: 'release-1.5.0', idempotencyKey: 'fb-release-1.5.0' });
    expect(result.isError).toBe(true);
    expect(text(result)).toMatch(/exited at startup with code 1/);
    expect(text(result)).toMatch(/firestore/);
    // The step re-run after a crash repeats the call with its key: answered from the record, not redeployed.
    const repeat = await call('deploy_service', { ref: 'release-1.5.0', idempotencyKey: 'fb-release-1.5.0' });
    expect(structured<{ rollout: unknown }>(repeat).rollout).toEqual({ ...structured<{ rollout: object }>(result).rollout, replayed: true });
    const status = structured<{ current: { releaseId: string; state: string; version: string; health: { ok: boolean } }; history: { outcome: string }[] }>(await call('rollout_status'));
    expect(status.current).toMatchObject({ releaseId: 'r2', version: '1.5.0', state: 'crash-looping', health: { ok: false } });
    expect(status.history.map((h) => h.outcome)).toEqual(['failed', 'succeeded']);
    expect((await get('/healthz')).status).toBe(502);
  });

  it('rolls back to the previous healthy release', async () => {
    const result = await call('rollback', { reason: 'release 1.5.0 crash-loops' });
    expect(result.isError).toBeFalsy();
    expect(structured<{ rollout: unknown }>(result).rollout).toMatchObject({ kind: 'rollback', outcome: 'succeeded', releaseId: 'r1', previousReleaseId: 'r2' });
    expect((await get('/healthz')).status).toBe(200);
    const rollouts = deployer.rollouts();
    expect(rollouts.map((r) => [r.kind, r.outcome, r.trigger])).toEqual([
      ['deploy', 'succeeded', 'tool'],
      ['deploy', 'failed', 'tool'],
      ['rollback', 'succeeded', 'tool'],
    ]);
    expect(rollouts.every((r) => r.finishedAt !== undefined && (r.durationMs ?? -1) >= 0)).toBe(true);
  });

  it('maintenance mode answers 503 at once without reaching the service, then serves again', async () => {
    const on = await call('maintenance_mode', { enabled: true });
    expect(structured<{ maintenance: { enabled: boolean } }>(on).maintenance.enabled).toBe(true);
    const started = performance.now();
    const res = await get('/api/workflows/execute');
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('30');
    expect(performance.now() - started).toBeLessThan(100);
    await call('maintenance_mode', { enabled: false });
    expect((await get('/api/workflows/execute')).status).toBe(200);
    // Every switch is recorded (the drills judge "maintenance without a human" from it), newest first in the status.
    expect(deployer.maintenanceSwitches().map((m) => [m.enabled, m.changed, m.trigger])).toEqual([[true, true, 'tool'], [false, true, 'tool']]);
    const status = structured<{ maintenanceHistory: { enabled: boolean; triggeredBy: string; trigger?: string }[] }>(await call('rollout_status'));
    expect(status.maintenanceHistory.map((m) => [m.enabled, m.triggeredBy, m.trigger])).toEqual([[false, 'deploy-tool', undefined], [true, 'deploy-tool', undefined]]);
  });

  it('rollout_status gives what finding the last known-good release takes: ids, revisions, versions, times, outcomes, liveUntil', async () => {
    const status = structured<{ history: Record<string, unknown>[] }>(await call('rollout_status'));
    const [rollback, failed, first] = status.history;
    for (const r of status.history) {
      expect(r).toHaveProperty('releaseId');
      expect(r).toHaveProperty('revision');
      expect(r).toHaveProperty('startedAt');
      expect(r).toHaveProperty('finishedAt');
      expect(r).not.toHaveProperty('trigger');
      expect(r.triggeredBy).toBe('deploy-tool');
    }
    expect(rollback).toMatchObject({ kind: 'rollback', releaseId: 'r1', version: '1.4.2', previousReleaseId: 'r2', previousVersion: '1.5.0', outcome: 'succeeded', liveUntil: null });
    expect(failed).toMatchObject({ kind: 'deploy', releaseId: 'r2', version: '1.5.0', previousReleaseId: 'r1', previousVersion: '1.4.2', outcome: 'failed', liveUntil: rollback!.startedAt });
    expect(first).toMatchObject({ releaseId: 'r1', previousReleaseId: undefined, outcome: 'succeeded', liveUntil: failed!.startedAt });
  });

  it('refuses unknown refs and impossible rollbacks as tool errors, changing nothing', async () => {
    const unknown = await call('deploy_service', { ref: 'no-such-branch' });
    expect(unknown.isError).toBe(true);
    expect(text(unknown)).toMatch(/no commit for ref 'no-such-branch'/);
    const badTo = await call('rollback', { to: 'r99' });
    expect(badTo.isError).toBe(true);
    expect(text(badTo)).toMatch(/no release matches 'r99'.*r1=/);
    expect(deployer.rollouts()).toHaveLength(3);
    const badArgs = await call('deploy_service', { ref: '--upload-pack=evil' });
    expect(badArgs.isError).toBe(true);
  });

  it('restarts a killed process (OOM kill) and stops every process on stop()', async () => {
    const before = deployer.current();
    expect(deployer.kill('SIGKILL')).toBe(true);
    await expect.poll(async () => (await get('/healthz').catch(() => undefined))?.status, { timeout: 10_000, interval: 200 }).toBe(200);
    const status = await deployer.status();
    expect(status.current?.releaseId).toBe(before?.id);
    expect(status.current?.restarts).toBe(1);
    expect(status.current?.lastExit?.signal).toBe('SIGKILL');
    await deployer.stop();
    expect([...pids].filter(isRunning)).toEqual([]);
    expect(text(await call('deploy_service', { ref: 'main' }))).toMatch(/stopped/);
  });
});
