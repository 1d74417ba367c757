import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Octokit, RequestError } from 'octokit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportRef, initRepo, startScratchForge, type Forge } from '../../src/lab/forge/index.js';

const TOKEN = 'forge-test-token-123';
const repo = { owner: 'acme', repo: 'checkout' };
let forge: Forge;
let octokit: Octokit;

const git = (...args: string[]): string => execFileSync('git', [`--git-dir=${forge.repoDir}`, ...args], { encoding: 'utf8' }).trim();
const decode = (content: string): string => Buffer.from(content, 'base64').toString('utf8');
const b64 = (text: string): string => Buffer.from(text).toString('base64');

async function status(promise: Promise<unknown>): Promise<number> {
  try {
    await promise;
    return 0;
  } catch (error) {
    expect(error).toBeInstanceOf(RequestError);
    return (error as RequestError).status;
  }
}

beforeAll(async () => {
  forge = await startScratchForge({ ...repo, token: TOKEN, files: { 'README.md': '# checkout\n', 'src/pool.ts': 'export const POOL_SIZE = 10;\n' } });
  octokit = new Octokit({ baseUrl: forge.url, auth: TOKEN, throttle: { enabled: false }, retry: { enabled: false } });
});

afterAll(async () => {
  await forge?.stop();
});

describe('forge: repository, contents and auth', () => {
  it('serves the repository with main as default branch', async () => {
    const { data } = await octokit.rest.repos.get(repo);
    expect(data.full_name).toBe('acme/checkout');
    expect(data.default_branch).toBe('main');
  });

  it('rejects a bad token with 401 and an unknown repo with 404', async () => {
    const bad = new Octokit({ baseUrl: forge.url, auth: 'wrong', throttle: { enabled: false }, retry: { enabled: false } });
    expect(await status(bad.rest.repos.get(repo))).toBe(401);
    expect(await status(octokit.rest.repos.get({ owner: 'acme', repo: 'nope' }))).toBe(404);
  });

  it('reads files (base64 + blob sha matching git) and directories', async () => {
    const { data } = await octokit.rest.repos.getContent({ ...repo, path: 'src/pool.ts' });
    if (Array.isArray(data) || data.type !== 'file') throw new Error('expected a file');
    expect(decode(data.content)).toBe('export const POOL_SIZE = 10;\n');
    expect(data.sha).toBe(git('rev-parse', 'main:src/pool.ts'));
    const root = await octokit.rest.repos.getContent({ ...repo, path: '' });
    expect(Array.isArray(root.data) && root.data.map((e) => `${e.type}:${e.path}`).sort()).toEqual(['dir:src', 'file:README.md']);
    expect(await status(octokit.rest.repos.getContent({ ...repo, path: 'missing.txt' }))).toBe(404);
  });

  it('creates and updates a file as real commits; 409 on stale sha, 422 on missing fields', async () => {
    await octokit.rest.git.createRef({ ...repo, ref: 'refs/heads/fix/pool', sha: git('rev-parse', 'main') });
    const file = await octokit.rest.repos.getContent({ ...repo, path: 'src/pool.ts', ref: 'fix/pool' });
    const oldSha = (file.data as { sha: string }).sha;
    const updated = await octokit.rest.repos.createOrUpdateFileContents({ ...repo, path: 'src/pool.ts', branch: 'fix/pool', message: 'Raise pool size', content: b64('export const POOL_SIZE = 30;\n'), sha: oldSha });
    expect(updated.status).toBe(200);
    expect(git('rev-parse', 'fix/pool')).toBe(updated.data.commit.sha);
    expect(git('show', 'fix/pool:src/pool.ts')).toBe('export const POOL_SIZE = 30;');
    expect(git('log', '-1', '--format=%s', 'fix/pool')).toBe('Raise pool size');

    const created = await octokit.rest.repos.createOrUpdateFileContents({ ...repo, path: 'docs/runbook.md', branch: 'fix/pool', message: 'Add runbook', content: b64('steps') });
    expect(created.status).toBe(201);

    expect(await status(octokit.rest.repos.createOrUpdateFileContents({ ...repo, path: 'src/pool.ts', branch: 'fix/pool', message: 'x', content: b64('y'), sha: oldSha }))).toBe(409);
    expect(await status(octokit.request('PUT /repos/acme/checkout/contents/a.txt', { content: b64('y') }))).toBe(422);
    expect(await status(octokit.rest.repos.createOrUpdateFileContents({ ...repo, path: 'src/pool.ts', branch: 'fix/pool', message: 'no sha', content: b64('y') }))).toBe(422);
  });

  it('refs: get, create (422 if it exists), fast-forward update, non-ff refused', async () => {
    const main = git('rev-parse', 'main');
    const { data } = await octokit.rest.git.getRef({ ...repo, ref: 'heads/main' });
    expect(data.object.sha).toBe(main);
    await octokit.rest.git.createRef({ ...repo, ref: 'refs/heads/hotfix', sha: main });
    const again = await octokit.rest.git.createRef({ ...repo, ref: 'refs/heads/hotfix', sha: main }).catch((e: unknown) => e);
    expect(again).toBeInstanceOf(RequestError);
    expect((again as RequestError).status).toBe(422);
    expect((again as RequestError).message).toMatch(/Reference already exists/);
    const fixTip = git('rev-parse', 'fix/pool');
    await octokit.rest.git.updateRef({ ...repo, ref: 'heads/hotfix', sha: fixTip });
    expect(git('rev-parse', 'hotfix')).toBe(fixTip);
    expect(await status(octokit.rest.git.updateRef({ ...repo, ref: 'heads/hotfix', sha: main }))).toBe(422);
    await octokit.rest.git.updateRef({ ...repo, ref: 'heads/hotfix', sha: main, force: true });
    expect(git('rev-parse', 'hotfix')).toBe(main);
    expect(await status(octokit.rest.git.getRef({ ...repo, ref: 'heads/none' }))).toBe(404);
  });

  it('git data API builds a multi-file commit the way push_files does', async () => {
    const ref = await octokit.rest.git.getRef({ ...repo, ref: 'heads/hotfix' });
    const parent = await octokit.rest.git.getCommit({ ...repo, commit_sha: ref.data.object.sha });
    const blob = await octokit.rest.git.createBlob({ ...repo, content: b64('retries: 3\n'), encoding: 'base64' });
    const tree = await octokit.rest.git.createTree({
      ...repo,
      base_tree: parent.data.tree.sha,
      tree: [
        { path: 'config/retry.yaml', mode: '100644', type: 'blob', sha: blob.data.sha },
        { path: 'src/pool.ts', mode: '100644', type: 'blob', content: 'export const POOL_SIZE = 25;\n' },
        { path: 'README.md', mode: '100644', type: 'blob', sha: null },
      ],
    });
    const commit = await octokit.rest.git.createCommit({ ...repo, message: 'Tune pool and retries', tree: tree.data.sha, parents: [parent.data.sha] });
    await octokit.rest.git.updateRef({ ...repo, ref: 'heads/hotfix', sha: commit.data.sha });
    expect(git('ls-tree', '-r', '--name-only', 'hotfix').split('\n').sort()).toEqual(['config/retry.yaml', 'src/pool.ts']);
    expect(git('show', 'hotfix:src/pool.ts')).toBe('export const POOL_SIZE = 25;');
    expect(await status(octokit.rest.git.createCommit({ ...repo, message: 'x', tree: '0'.repeat(40), parents: [] }))).toBe(422);
  });

  it('lists branches and paginates commits with Link headers (octokit.paginate)', async () => {
    for (let i = 0; i < 5; i++) {
      const current = await octokit.rest.repos.getContent({ ...repo, path: 'counter.txt', ref: 'fix/pool' }).catch(() => undefined);
      const sha = current && !Array.isArray(current.data) ? current.data.sha : undefined;
      await octokit.rest.repos.createOrUpdateFileContents({ ...repo, path: 'counter.txt', branch: 'fix/pool', message: `count ${i}`, content: b64(String(i)), ...(sha ? { sha } : {}) });
    }
    const total = Number(git('rev-list', '--count', 'fix/pool'));
    const first = await octokit.rest.repos.listCommits({ ...repo, sha: 'fix/pool', per_page: 2 });
    expect(first.data).toHaveLength(2);
    expect(first.headers.link).toMatch(/rel="next"/);
    expect(first.headers.link).toMatch(/rel="last"/);
    const all = await octokit.paginate(octokit.rest.repos.listCommits, { ...repo, sha: 'fix/pool', per_page: 2 });
    expect(all.map((c) => c.sha)).toEqual(git('rev-list', 'fix/pool').split('\n'));
    expect(all).toHaveLength(total);
    expect(all[0]?.commit.message).toBe('count 4');
    const byAuthor = await octokit.rest.repos.listCommits({ ...repo, sha: 'fix/pool', author: 'firebreak-bot' });
    expect(byAuthor.data.length).toBe(total - 1);
    const branches = await octokit.paginate(octokit.rest.repos.listBranches, { ...repo, per_page: 1 });
    expect(branches.map((b) => b.name).sort()).toEqual(['fix/pool', 'hotfix', 'main']);
    const one = await octokit.rest.repos.getBranch({ ...repo, branch: 'fix/pool' });
    expect(one.data.commit.sha).toBe(git('rev-parse', 'fix/pool'));
  });

  it('single commit has files with patches; statuses combine', async () => {
    const sha = git('rev-parse', 'hotfix');
    const { data } = await octokit.rest.repos.getCommit({ ...repo, ref: sha });
    expect(data.files?.map((f) => `${f.status}:${f.filename}`).sort()).toEqual(['added:config/retry.yaml', 'modified:src/pool.ts', 'removed:README.md']);
    expect(data.files?.find((f) => f.filename === 'src/pool.ts')?.patch).toMatch(/^@@ .*\n-export const POOL_SIZE = 10;\n\+export const POOL_SIZE = 25;/);
    expect((await octokit.rest.repos.getCombinedStatusForRef({ ...repo, ref: 'hotfix' })).data.state).toBe('pending');
    await octokit.rest.repos.createCommitStatus({ ...repo, sha, state: 'success', context: 'ci/test' });
    await octokit.rest.repos.createCommitStatus({ ...repo, sha, state: 'failure', context: 'ci/lint' });
    await octokit.rest.repos.createCommitStatus({ ...repo, sha, state: 'success', context: 'ci/lint' });
    const combined = await octokit.rest.repos.getCombinedStatusForRef({ ...repo, ref: 'hotfix' });
    expect(combined.data.state).toBe('success');
    expect(combined.data.total_count).toBe(2);
    const checks = await octokit.rest.checks.listForRef({ ...repo, ref: 'hotfix' });
    expect(checks.data.total_count).toBe(0);
  });
});

describe('forge: repository helpers', () => {
  it('initRepo snapshots a directory (keeping the executable bit) and exportRef writes a ref back out', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'forge-init-'));
    try {
      mkdirSync(join(dir, 'src', 'bin'), { recursive: true });
      writeFileSync(join(dir, 'src', 'app.ts'), 'export {};\n');
      writeFileSync(join(dir, 'src', 'bin', 'start.sh'), '#!/bin/sh\n');
      chmodSync(join(dir, 'src', 'bin', 'start.sh'), 0o755);
      const repoDir = join(dir, 'repo.git');
      const sha = await initRepo({ repoDir, fromDir: join(dir, 'src'), files: { 'VERSION': '1\n' } });
      const run = (...args: string[]) => execFileSync('git', [`--git-dir=${repoDir}`, ...args], { encoding: 'utf8' }).trim();
      expect(run('rev-parse', 'main')).toBe(sha);
      expect(run('ls-tree', '-r', 'main').split('\n').map((l) => l.replace(/ blob \w+\t/, ' '))).toEqual(['100644 VERSION', '100644 app.ts', '100755 bin/start.sh']);
      const out = join(dir, 'export');
      expect(await exportRef(repoDir, 'main', out)).toBe(sha);
      expect(readFileSync(join(out, 'app.ts'), 'utf8')).toBe('export {};\n');
      expect(statSync(join(out, 'bin', 'start.sh')).mode & 0o111).not.toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
