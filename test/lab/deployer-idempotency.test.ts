// Exactly-once deploys: the deploy MCP server over the real command deployer (a real deploy script, a real
// health endpoint), called the way the tool host calls it — the key as an argument or in _meta. Same key:
// one rollout; concurrent same key: one rollout; same key, other ref: a conflict; a restarted deployer over
// the same releases dir still answers from the record.
import { readFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCommandDeployer, createDeployerServer, KEYS_FILE, type Rollout } from '../../src/lab/deployer/index.js';
import { FORGE_IDENTITY, initRepo, openRepo } from '../../src/lab/forge/index.js';
import { tempDir } from './helpers/lab.js';

// Installs a release by recording it (after 300 ms, so a second call can arrive while the first runs); a
// release marked `fail` aborts like a failed migration. Every run appends a line to RUNS_FILE.
const DEPLOY_SCRIPT = `import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
appendFileSync(process.env.RUNS_FILE, process.env.FIREBREAK_REF + '\\n');
await new Promise((r) => setTimeout(r, 300));
const app = JSON.parse(readFileSync(process.env.FIREBREAK_RELEASE_DIR + '/app.json', 'utf8'));
if (app.fail) { console.error('migration 0042 failed: column "tenant_id" does not exist'); process.exit(1); }
writeFileSync(process.env.STATE_FILE, JSON.stringify({ revision: process.env.FIREBREAK_REVISION, healthy: true }));
`;

async function branch(repoDir: string, name: string, app: unknown): Promise<void> {
  const git = await openRepo(repoDir);
  const parent = (await git.resolveCommit('main')) as string;
  const tree = await git.buildTree(`${parent}^{tree}`, [{ mode: '100644', sha: await git.writeBlob(Buffer.from(JSON.stringify(app))), path: 'app.json' }]);
  await git.updateRef(`refs/heads/${name}`, await git.commitTree(tree, [parent], name, FORGE_IDENTITY), '');
}

const text = (r: CallToolResult): string => r.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');
const rolloutOf = (r: CallToolResult): Rollout => (r.structuredContent as { rollout: Rollout }).rollout;

describe('deploy tools are exactly-once per idempotency key (real command deployer)', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let health: Server;
  let maintenance = false;
  let make: () => ReturnType<typeof createCommandDeployer>;
  let deployer: ReturnType<typeof createCommandDeployer>;
  let client: Client;
  let runsFile: string;
  const runs = async (): Promise<string[]> => (await readFile(runsFile, 'utf8').catch(() => '')).split('\n').filter(Boolean);

  async function connect(d: ReturnType<typeof createCommandDeployer>): Promise<Client> {
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await createDeployerServer(d).connect(serverSide);
    const c = new Client({ name: 'idempotency-test', version: '0' });
    await c.connect(clientSide);
    return c;
  }
  const call = (name: string, args: Record<string, unknown>, meta?: Record<string, unknown>): Promise<CallToolResult> =>
    client.callTool({ name, arguments: args, ...(meta ? { _meta: meta } : {}) }) as Promise<CallToolResult>;

  beforeAll(async () => {
    tmp = await tempDir('deployer-keys');
    const repoDir = join(tmp.dir, 'repo.git');
    const stateFile = join(tmp.dir, 'state.json');
    runsFile = join(tmp.dir, 'runs.txt');
    await initRepo({ repoDir, files: { 'app.json': JSON.stringify({ healthy: true }) } });
    await branch(repoDir, 'hotfix', { healthy: true, v: 2 });
    await branch(repoDir, 'broken-migration', { healthy: true, fail: true });
    await writeFile(join(tmp.dir, 'deploy.mjs'), DEPLOY_SCRIPT);
    await writeFile(join(tmp.dir, 'app.log'), '{"level":"error","msg":"pool exhausted"}\n');
    health = createServer((_req, res) => {
      let ok = false;
      try {
        ok = (JSON.parse(readFileSync(stateFile, 'utf8')) as { healthy: boolean }).healthy;
      } catch {
        /* nothing deployed yet */
      }
      res.writeHead(ok ? 200 : 503).end(ok ? 'ok' : 'down');
    });
    await new Promise<void>((resolve) => health.listen(0, '127.0.0.1', resolve));
    make = () =>
      createCommandDeployer({
        repoDir,
        releasesDir: join(tmp.dir, 'releases'),
        serviceName: 'team-api',
        healthUrl: `http://127.0.0.1:${(health.address() as AddressInfo).port}/healthz`,
        logFile: join(tmp.dir, 'app.log'),
        deploy: { command: process.execPath, args: [join(tmp.dir, 'deploy.mjs')], cwd: tmp.dir, env: { STATE_FILE: stateFile, RUNS_FILE: runsFile }, timeoutMs: 20_000 },
        maintenance: { setMaintenance: (on) => void (maintenance = on), maintenance: () => maintenance },
        logger: pino({ level: 'silent' }),
        healthTimeoutMs: 1_500,
      });
    deployer = make();
    client = await connect(deployer);
  });

  afterAll(async () => {
    await client?.close();
    await deployer?.stop();
    await new Promise((resolve) => health?.close(resolve));
    await tmp?.cleanup();
  });

  it('the same key twice deploys once and answers the second call with the recorded rollout', async () => {
    const first = await call('deploy_service', { ref: 'main', reason: 'first', idempotencyKey: 'fb-deploy-main' });
    expect(first.isError).toBeFalsy();
    expect(rolloutOf(first)).toMatchObject({ outcome: 'succeeded', releaseId: 'r1' });
    expect(rolloutOf(first).replayed).toBeUndefined();
    // A resumed step says the same thing in other words: reason is not part of the identity.
    const again = await call('deploy_service', { ref: 'main', reason: 'resumed', idempotencyKey: 'fb-deploy-main' });
    expect(again.isError).toBeFalsy();
    expect(rolloutOf(again)).toEqual({ ...rolloutOf(first), replayed: true });
    expect(deployer.rollouts()).toHaveLength(1);
    expect(await runs()).toEqual(['main']);
  });

  it('a call with the same key while the first runs waits for it: one rollout, both see it', async () => {
    const before = deployer.rollouts().length;
    const [a, b] = await Promise.all([
      call('deploy_service', { ref: 'hotfix', idempotencyKey: 'fb-deploy-hotfix' }),
      // The tool host also sends the key in _meta: a server reads it when the argument is absent.
      call('deploy_service', { ref: 'hotfix' }, { idempotencyKey: 'fb-deploy-hotfix' }),
    ]);
    expect(deployer.rollouts()).toHaveLength(before + 1);
    expect(rolloutOf(a).id).toBe(rolloutOf(b).id);
    expect([rolloutOf(a).replayed, rolloutOf(b).replayed].filter((r) => r === true)).toHaveLength(1);
    expect((await runs()).filter((r) => r === 'hotfix')).toHaveLength(1);
  });

  it('the same key with another ref is a conflict that names both, and changes nothing', async () => {
    const before = deployer.rollouts().length;
    const conflict = await call('deploy_service', { ref: 'main', idempotencyKey: 'fb-deploy-hotfix' });
    expect(conflict.isError).toBe(true);
    expect(text(conflict)).toMatch(/idempotency key 'fb-deploy-hotfix' was already used for deploy \{"ref":"hotfix"\}; this call asks for deploy \{"ref":"main"\}/);
    const otherTool = await call('rollback', {}, { idempotencyKey: 'fb-deploy-hotfix' });
    expect(otherTool.isError).toBe(true);
    expect(text(otherTool)).toMatch(/already used for deploy .* asks for rollback \{"to":null\}/);
    expect(deployer.rollouts()).toHaveLength(before);
    expect(text(await call('deploy_service', { ref: 'main' }, { idempotencyKey: 'bad key with spaces' }))).toMatch(/invalid idempotency key in _meta\.idempotencyKey/);
  });

  it('a failed deploy is recorded once: a one-line headline, the tails once, and a replay says so', async () => {
    const before = deployer.rollouts().length;
    const failed = await call('deploy_service', { ref: 'broken-migration', idempotencyKey: 'fb-deploy-broken' });
    expect(failed.isError).toBe(true);
    const [headline, json] = failed.content.map((c) => (c.type === 'text' ? c.text : ''));
    const firstLine = headline!.split('\n')[0]!;
    expect(firstLine).toMatch(/^deploy of broken-migration \([0-9a-f]{7}\) FAILED: deploy command exited with 1\. /);
    expect(firstLine).not.toMatch(/migration 0042|pool exhausted/);
    expect(headline).toMatch(/--- service stderr \(tail\) ---\nmigration 0042 failed/);
    expect(headline).toMatch(/--- service log \(tail\) ---\n.*pool exhausted/);
    // The JSON block leaves the tails to the text above; structuredContent keeps the whole record.
    expect(json).not.toMatch(/migration 0042|pool exhausted/);
    expect(rolloutOf(failed)).toMatchObject({ outcome: 'failed', stderrTail: expect.stringMatching(/migration 0042/), logTail: expect.stringMatching(/pool exhausted/) });

    const replay = await call('deploy_service', { ref: 'broken-migration', idempotencyKey: 'fb-deploy-broken' });
    expect(replay.isError).toBe(true);
    expect(text(replay).split('\n')[0]).toMatch(/FAILED \(rollout \d+, recorded earlier under this idempotency key: not run again\): deploy command exited with 1/);
    expect(deployer.rollouts()).toHaveLength(before + 1);
  });

  it('rollback and maintenance_mode are keyed too', async () => {
    const before = deployer.rollouts().length;
    const back = await call('rollback', { reason: 'migration failed', idempotencyKey: 'fb-rollback' });
    expect(rolloutOf(back)).toMatchObject({ kind: 'rollback', outcome: 'succeeded' });
    // Without the key a repeat would go back further; with it, it is the same rollback.
    expect(rolloutOf(await call('rollback', { idempotencyKey: 'fb-rollback' }))).toEqual({ ...rolloutOf(back), replayed: true });
    expect(deployer.rollouts()).toHaveLength(before + 1);

    const on = await call('maintenance_mode', { enabled: true, idempotencyKey: 'fb-maintenance-on' });
    expect(on.structuredContent).toMatchObject({ maintenance: { enabled: true } });
    expect(maintenance).toBe(true);
    await call('maintenance_mode', { enabled: false });
    // Replayed, not switched on again.
    const replay = await call('maintenance_mode', { enabled: true }, { idempotencyKey: 'fb-maintenance-on' });
    expect(replay.structuredContent).toMatchObject({ maintenance: { enabled: true, replayed: true } });
    expect(maintenance).toBe(false);
    const conflict = await call('maintenance_mode', { enabled: false, idempotencyKey: 'fb-maintenance-on' });
    expect(text(conflict)).toMatch(/already used for maintenance \{"enabled":true\}; this call asks for maintenance \{"enabled":false\}/);
  });

  it('keys survive a restart of the deployer (kept beside the releases)', async () => {
    const recorded = rolloutOf(await call('deploy_service', { ref: 'hotfix', idempotencyKey: 'fb-deploy-hotfix' }));
    await client.close();
    await deployer.stop();
    const file = JSON.parse(await readFile(join(tmp.dir, 'releases', KEYS_FILE), 'utf8')) as { entries: { key: string }[] };
    expect(file.entries.map((e) => e.key)).toEqual(['fb-deploy-main', 'fb-deploy-hotfix', 'fb-deploy-broken', 'fb-rollback', 'fb-maintenance-on']);

    deployer = make();
    client = await connect(deployer);
    const runsBefore = (await runs()).length;
    const replay = await call('deploy_service', { ref: 'hotfix' }, { idempotencyKey: 'fb-deploy-hotfix' });
    expect(replay.isError).toBeFalsy();
    expect(rolloutOf(replay)).toEqual({ ...recorded, replayed: true });
    expect(text(await call('deploy_service', { ref: 'main', idempotencyKey: 'fb-deploy-hotfix' }))).toMatch(/already used for deploy \{"ref":"hotfix"\}/);
    expect(deployer.rollouts()).toEqual([]);
    expect(await runs()).toHaveLength(runsBefore);
    // A new key acts.
    expect(rolloutOf(await call('deploy_service', { ref: 'main', idempotencyKey: 'fb-after-restart' }))).toMatchObject({ outcome: 'succeeded', releaseId: 'r1' });
    expect(deployer.rollouts()).toHaveLength(1);
  });

  it('a corrupt key file is reported as a tool error naming the file, and nothing is deployed', async () => {
    await client.close();
    await deployer.stop();
    await writeFile(join(tmp.dir, 'releases', KEYS_FILE), '{"version":1,"entries":[{"key":"fb-x"}]}');
    deployer = make();
    client = await connect(deployer);
    const result = await call('deploy_service', { ref: 'main', idempotencyKey: 'fb-deploy-main' });
    expect(result.isError).toBe(true);
    expect(text(result)).toMatch(/cannot read the deployer's idempotency keys from .*idempotency-keys\.json: entries\.0\.action/);
    expect(deployer.rollouts()).toEqual([]);
  });
});
