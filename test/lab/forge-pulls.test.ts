import { execFileSync } from 'node:child_process';
import { Octokit, RequestError } from 'octokit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startScratchForge, type Forge } from '../../src/lab/forge/index.js';

const repo = { owner: 'acme', repo: 'checkout' };
let forge: Forge;
let octokit: Octokit;

const git = (...args: string[]): string => execFileSync('git', [`--git-dir=${forge.repoDir}`, ...args], { encoding: 'utf8' }).trim();
const b64 = (text: string): string => Buffer.from(text).toString('base64');

async function failure(promise: Promise<unknown>): Promise<RequestError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RequestError);
  return error as RequestError;
}

/** Creates `branch` from main and commits `files` on it (one commit per file). */
async function branchWith(branch: string, files: Record<string, string>): Promise<string> {
  await octokit.rest.git.createRef({ ...repo, ref: `refs/heads/${branch}`, sha: git('rev-parse', 'main') });
  for (const [path, content] of Object.entries(files)) {
    const existing = await octokit.rest.repos.getContent({ ...repo, path, ref: branch }).catch(() => undefined);
    const sha = existing && !Array.isArray(existing.data) ? existing.data.sha : undefined;
    await octokit.rest.repos.createOrUpdateFileContents({ ...repo, path, branch, message: `Change ${path}`, content: b64(content), ...(sha ? { sha } : {}) });
  }
  return git('rev-parse', branch);
}

beforeAll(async () => {
  forge = await startScratchForge({ ...repo, workflows: ['deploy.yml'], files: { 'src/pool.ts': 'export const POOL_SIZE = 10;\n', 'src/retry.ts': 'export const RETRIES = 5;\n' } });
  octokit = new Octokit({ baseUrl: forge.url, throttle: { enabled: false }, retry: { enabled: false } });
});

afterAll(async () => {
  await forge?.stop();
});

describe('forge: pull requests and merges', () => {
  it('opens a PR, serves diff and paginated files, merges into a real merge commit on main', async () => {
    const headSha = await branchWith('fix/pool', { 'src/pool.ts': 'export const POOL_SIZE = 30;\n', 'docs/incident.md': 'pool exhausted\n' });
    const created = await octokit.rest.pulls.create({ ...repo, title: 'Raise pool size', head: 'fix/pool', base: 'main', body: 'Fixes pool exhaustion' });
    expect(created.status).toBe(201);
    const number = created.data.number;
    const pr = await octokit.rest.pulls.get({ ...repo, pull_number: number });
    expect(pr.data).toMatchObject({ state: 'open', merged: false, mergeable: true, mergeable_state: 'clean', commits: 2, changed_files: 2 });
    expect(pr.data.head.sha).toBe(headSha);

    const diff = await octokit.request('GET /repos/{owner}/{repo}/pulls/{pull_number}', { ...repo, pull_number: number, mediaType: { format: 'diff' } });
    expect(String(diff.data)).toMatch(/^diff --git a\/docs\/incident.md/m);
    expect(String(diff.data)).toMatch(/^\+export const POOL_SIZE = 30;$/m);

    const viaPullRef = await octokit.rest.repos.getContent({ ...repo, path: 'src/pool.ts', ref: `refs/pull/${number}/head` });
    expect(!Array.isArray(viaPullRef.data) && viaPullRef.data.sha).toBe(git('rev-parse', 'fix/pool:src/pool.ts'));

    const files = await octokit.paginate(octokit.rest.pulls.listFiles, { ...repo, pull_number: number, per_page: 1 });
    expect(files.map((f) => `${f.status}:${f.filename}`)).toEqual(['added:docs/incident.md', 'modified:src/pool.ts']);

    const dup = await failure(octokit.rest.pulls.create({ ...repo, title: 'again', head: 'fix/pool', base: 'main' }));
    expect(dup.status).toBe(422);
    const stale = await failure(octokit.rest.pulls.merge({ ...repo, pull_number: number, sha: git('rev-parse', 'main') }));
    expect(stale.status).toBe(409);

    const mainBefore = git('rev-parse', 'main');
    const merged = await octokit.rest.pulls.merge({ ...repo, pull_number: number, sha: headSha });
    expect(merged.data.merged).toBe(true);
    expect(git('rev-parse', 'main')).toBe(merged.data.sha);
    expect(git('log', '-1', '--format=%P', 'main')).toBe(`${mainBefore} ${headSha}`);
    expect(git('log', '-1', '--format=%s', 'main')).toBe(`Merge pull request #${number} from acme/fix/pool`);
    expect(git('show', 'main:src/pool.ts')).toBe('export const POOL_SIZE = 30;');

    const after = await octokit.rest.pulls.get({ ...repo, pull_number: number });
    expect(after.data).toMatchObject({ state: 'closed', merged: true, merge_commit_sha: merged.data.sha, changed_files: 2 });
    expect((await failure(octokit.rest.pulls.merge({ ...repo, pull_number: number }))).status).toBe(405);
    expect((await octokit.rest.pulls.checkIfMerged({ ...repo, pull_number: number })).status).toBe(204);

    const types = forge.events.list().map((e) => e.type);
    expect(types).toContain('pull_request.opened');
    const mergedEvent = forge.events.list('pull_request.merged')[0];
    expect(mergedEvent).toMatchObject({ number, sha: merged.data.sha, base: 'main', method: 'merge' });
    expect(Date.parse(mergedEvent?.at ?? '')).not.toBeNaN();
  });

  it('rejects PRs without commits or with unknown branches (422)', async () => {
    await octokit.rest.git.createRef({ ...repo, ref: 'refs/heads/empty', sha: git('rev-parse', 'main') });
    expect((await failure(octokit.rest.pulls.create({ ...repo, title: 't', head: 'empty', base: 'main' }))).status).toBe(422);
    expect((await failure(octokit.rest.pulls.create({ ...repo, title: 't', head: 'ghost', base: 'main' }))).status).toBe(422);
    expect((await failure(octokit.rest.pulls.get({ ...repo, pull_number: 999 }))).status).toBe(404);
  });

  it('reports conflicts as not mergeable and refuses to merge them (405)', async () => {
    await branchWith('conflict-a', { 'src/retry.ts': 'export const RETRIES = 1;\n' });
    await branchWith('conflict-b', { 'src/retry.ts': 'export const RETRIES = 9;\n' });
    const a = await octokit.rest.pulls.create({ ...repo, title: 'A', head: 'conflict-a', base: 'main' });
    const b = await octokit.rest.pulls.create({ ...repo, title: 'B', head: 'conflict-b', base: 'main' });
    await octokit.rest.pulls.merge({ ...repo, pull_number: a.data.number });
    const pr = await octokit.rest.pulls.get({ ...repo, pull_number: b.data.number });
    expect(pr.data).toMatchObject({ mergeable: false, mergeable_state: 'dirty' });
    expect((await failure(octokit.rest.pulls.merge({ ...repo, pull_number: b.data.number }))).status).toBe(405);
    await octokit.rest.pulls.update({ ...repo, pull_number: b.data.number, state: 'closed' });
    expect(forge.events.list('pull_request.closed').map((e) => e.number)).toContain(b.data.number);
  });

  it('squash and rebase merges replay the change with the right parents', async () => {
    await branchWith('squash-me', { 'a.txt': 'a\n', 'b.txt': 'b\n' });
    const squash = await octokit.rest.pulls.create({ ...repo, title: 'Squash', head: 'squash-me', base: 'main' });
    const before = git('rev-parse', 'main');
    const s = await octokit.rest.pulls.merge({ ...repo, pull_number: squash.data.number, merge_method: 'squash' });
    expect(git('log', '-1', '--format=%P', s.data.sha)).toBe(before);
    expect(git('log', '-1', '--format=%s', s.data.sha)).toBe(`Squash (#${squash.data.number})`);

    await branchWith('rebase-me', { 'c.txt': 'c\n', 'd.txt': 'd\n' });
    // Move main ahead so the rebase really replays onto a new base.
    await branchWith('side', { 'e.txt': 'e\n' });
    const side = await octokit.rest.pulls.create({ ...repo, title: 'Side', head: 'side', base: 'main' });
    await octokit.rest.pulls.merge({ ...repo, pull_number: side.data.number });
    const base = git('rev-parse', 'main');
    const rebase = await octokit.rest.pulls.create({ ...repo, title: 'Rebase', head: 'rebase-me', base: 'main' });
    const r = await octokit.rest.pulls.merge({ ...repo, pull_number: rebase.data.number, merge_method: 'rebase' });
    expect(git('rev-list', '--count', `${base}..${r.data.sha}`)).toBe('2');
    expect(git('log', '-2', '--format=%s', 'main').split('\n')).toEqual(['Change d.txt', 'Change c.txt']);
    expect(git('ls-tree', '--name-only', 'main').split('\n')).toEqual(expect.arrayContaining(['c.txt', 'd.txt', 'e.txt']));
  });

  it('draft PRs cannot be merged', async () => {
    await branchWith('drafty', { 'f.txt': 'f\n' });
    const pr = await octokit.rest.pulls.create({ ...repo, title: 'Draft', head: 'drafty', base: 'main', draft: true });
    expect((await failure(octokit.rest.pulls.merge({ ...repo, pull_number: pr.data.number }))).status).toBe(405);
    const list = await octokit.rest.pulls.list({ ...repo, state: 'open', head: 'acme:drafty' });
    expect(list.data.map((p) => p.number)).toEqual([pr.data.number]);
  });

  it('serializes concurrent writes to one branch without losing any', async () => {
    await octokit.rest.git.createRef({ ...repo, ref: 'refs/heads/busy', sha: git('rev-parse', 'main') });
    await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        octokit.rest.repos.createOrUpdateFileContents({ ...repo, path: `load/${i}.txt`, branch: 'busy', message: `load ${i}`, content: b64(String(i)) }),
      ),
    );
    expect(git('ls-tree', '--name-only', 'busy:load').split('\n')).toHaveLength(6);
  });
});

describe('forge: issues, comments and workflow dispatch', () => {
  it('creates, updates and comments on issues; PR numbers share the sequence', async () => {
    const issue = await octokit.rest.issues.create({ ...repo, title: 'Pool exhaustion under 3x load', body: 'p95 2.5s', labels: ['incident'] });
    expect(issue.status).toBe(201);
    expect(issue.data.labels.map((l) => (typeof l === 'string' ? l : l.name))).toEqual(['incident']);
    const comment = await octokit.rest.issues.createComment({ ...repo, issue_number: issue.data.number, body: 'Investigating' });
    expect(comment.data.body).toBe('Investigating');
    const closed = await octokit.rest.issues.update({ ...repo, issue_number: issue.data.number, state: 'closed' });
    expect(closed.data).toMatchObject({ state: 'closed', state_reason: 'completed', comments: 1 });
    expect((await failure(octokit.rest.issues.create({ ...repo, title: '' }))).status).toBe(422);
    expect((await failure(octokit.request('POST /repos/acme/checkout/issues', {}))).status).toBe(422);
    expect((await failure(octokit.rest.issues.createComment({ ...repo, issue_number: 4242, body: 'x' }))).status).toBe(404);
    const all = await octokit.paginate(octokit.rest.issues.listForRepo, { ...repo, state: 'all', per_page: 2 });
    const numbers = all.map((i) => i.number);
    expect(new Set(numbers).size).toBe(numbers.length);
    expect(all.some((i) => i.pull_request)).toBe(true);
  });

  it('records workflow dispatches (204) and 404s unknown workflows, 422 unknown refs', async () => {
    const res = await octokit.rest.actions.createWorkflowDispatch({ ...repo, workflow_id: 'deploy.yml', ref: 'main', inputs: { env: 'prod' } });
    expect(res.status).toBe(204);
    expect(forge.events.list('workflow.dispatched')).toEqual([expect.objectContaining({ workflowId: 'deploy.yml', ref: 'main', inputs: { env: 'prod' } })]);
    expect((await failure(octokit.rest.actions.createWorkflowDispatch({ ...repo, workflow_id: 'nope.yml', ref: 'main' }))).status).toBe(404);
    expect((await failure(octokit.rest.actions.createWorkflowDispatch({ ...repo, workflow_id: 'deploy.yml', ref: 'ghost' }))).status).toBe(422);
    const listed = await octokit.rest.actions.listRepoWorkflows(repo);
    const id = listed.data.workflows[0]?.id ?? 0;
    expect((await octokit.rest.actions.createWorkflowDispatch({ ...repo, workflow_id: id, ref: 'main' })).status).toBe(204);
  });
});
