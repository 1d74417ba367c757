import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCommandDeployer } from '../../src/lab/deployer/index.js';
import { FORGE_IDENTITY, initRepo, openRepo } from '../../src/lab/forge/index.js';
import { tempDir } from './helpers/lab.js';

// A team's deploy script: "installs" the release by recording it; a release marked `fail` aborts like a failed migration.
const DEPLOY_SCRIPT = `import { readFileSync, writeFileSync } from 'node:fs';
const app = JSON.parse(readFileSync(process.env.FIREBREAK_RELEASE_DIR + '/app.json', 'utf8'));
if (app.fail) { console.error('migration 0042 failed: column "tenant_id" does not exist'); process.exit(1); }
writeFileSync(process.env.STATE_FILE, JSON.stringify({ revision: process.env.FIREBREAK_REVISION, ref: process.env.FIREBREAK_REF, healthy: app.healthy }));
console.log('deployed', process.env.FIREBREAK_REVISION);
`;

async function branch(repoDir: string, name: string, app: unknown): Promise<void> {
  const git = await openRepo(repoDir);
  const parent = (await git.resolveCommit('main')) as string;
  const tree = await git.buildTree(`${parent}^{tree}`, [{ mode: '100644', sha: await git.writeBlob(Buffer.from(JSON.stringify(app))), path: 'app.json' }]);
  await git.updateRef(`refs/heads/${name}`, await git.commitTree(tree, [parent], name, FORGE_IDENTITY), '');
}

describe('command deployer (a custom target deployed by its own script)', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let health: Server;
  let deployer: ReturnType<typeof createCommandDeployer>;
  let maintenance = false;

  beforeAll(async () => {
    tmp = await tempDir('command-deployer');
    const repoDir = join(tmp.dir, 'repo.git');
    const stateFile = join(tmp.dir, 'state.json');
    await initRepo({ repoDir, files: { 'app.json': JSON.stringify({ healthy: true }) } });
    await branch(repoDir, 'broken-migration', { healthy: true, fail: true });
    await branch(repoDir, 'unhealthy', { healthy: false });
    await writeFile(join(tmp.dir, 'deploy.mjs'), DEPLOY_SCRIPT);
    // The service's health endpoint reflects what the deploy script installed.
    health = createServer((_req, res) => {
      let healthy = false;
      try {
        healthy = (JSON.parse(readFileSync(stateFile, 'utf8')) as { healthy: boolean }).healthy;
      } catch {
        /* nothing deployed yet */
      }
      res.writeHead(healthy ? 200 : 503).end(healthy ? 'ok' : 'unhealthy');
    });
    await new Promise<void>((resolve) => health.listen(0, '127.0.0.1', resolve));
    deployer = createCommandDeployer({
      repoDir,
      releasesDir: join(tmp.dir, 'releases'),
      serviceName: 'team-api',
      healthUrl: `http://127.0.0.1:${(health.address() as AddressInfo).port}/healthz`,
      logFile: join(tmp.dir, 'app.log'),
      deploy: { command: process.execPath, args: [join(tmp.dir, 'deploy.mjs')], cwd: tmp.dir, env: { STATE_FILE: stateFile }, timeoutMs: 20_000 },
      maintenance: { setMaintenance: (on) => void (maintenance = on), maintenance: () => maintenance },
      logger: pino({ level: 'silent' }),
      healthTimeoutMs: 1_500,
    });
  });

  afterAll(async () => {
    await deployer?.stop();
    await new Promise((resolve) => health?.close(resolve));
    await tmp?.cleanup();
  });

  it('deploys with FIREBREAK_REF/REVISION/RELEASE_DIR, reports failures with the command output, rolls back', async () => {
    expect(await deployer.deploy('main')).toMatchObject({ outcome: 'succeeded', releaseId: 'r1' });
    const failed = await deployer.deploy('broken-migration');
    expect(failed).toMatchObject({ outcome: 'failed', error: 'deploy command exited with 1', releaseId: 'r2' });
    expect(failed.stderrTail).toMatch(/migration 0042 failed/);
    const unhealthy = await deployer.deploy('unhealthy');
    expect(unhealthy).toMatchObject({ outcome: 'failed', releaseId: 'r3' });
    expect(unhealthy.error).toMatch(/health check failed: HTTP 503/);
    const status = await deployer.status();
    expect(status.current).toMatchObject({ releaseId: 'r3', state: 'crash-looping', health: { ok: false, status: 503 } });

    const back = await deployer.rollback({ reason: 'unhealthy release' });
    expect(back).toMatchObject({ kind: 'rollback', outcome: 'succeeded', releaseId: 'r1', previousReleaseId: 'r3' });
    expect((await deployer.status()).current).toMatchObject({ releaseId: 'r1', state: 'running', health: { ok: true } });
    expect(deployer.rollouts().map((r) => r.outcome)).toEqual(['succeeded', 'failed', 'failed', 'succeeded']);

    expect(await deployer.setMaintenance(true)).toMatchObject({ enabled: true });
    expect(maintenance).toBe(true);
  });
});
