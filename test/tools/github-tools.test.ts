import { execFileSync } from 'node:child_process';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startScratchForge, type Forge } from '../../src/lab/forge/index.js';
import { createGithubServer, type GithubServerOptions } from '../../src/tools/servers/github/index.js';

const TOKEN = 'ghp_forgeTestToken0123456789abcdefXYZ';
const repo = { owner: 'acme', repo: 'checkout' };
let forge: Forge;
let client: Client;
let logLines: string[];

const git = (...args: string[]): string => execFileSync('git', [`--git-dir=${forge.repoDir}`, ...args], { encoding: 'utf8' }).trim();

async function connect(options: GithubServerOptions): Promise<Client> {
  logLines = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void logLines.push(line) });
  const server = createGithubServer(options, { logger });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  const c = new Client({ name: 'github-test', version: '1.0.0' });
  await c.connect(clientSide);
  return c;
}

async function call(name: string, args: Record<string, unknown>, c = client): Promise<CallToolResult & { data: Record<string, unknown> }> {
  const result = (await c.callTool({ name, arguments: args })) as CallToolResult;
  expect(JSON.stringify(result)).not.toContain(TOKEN);
  return { ...result, data: (result.structuredContent ?? {}) as Record<string, unknown> };
}

const text = (r: CallToolResult): string => r.content.map((c) => (c.type === 'text' ? c.text : '')).join('');

beforeAll(async () => {
  forge = await startScratchForge({ ...repo, token: TOKEN, workflows: ['deploy.yml'], files: { 'src/pool.ts': 'export const POOL_SIZE = 10;\n', 'bin/run.sh': '#!/bin/sh\necho run\n' } });
  client = await connect({ token: TOKEN, apiUrl: forge.url });
});

afterAll(async () => {
  await client?.close();
  await forge?.stop();
});

describe('github MCP server against the forge', () => {
  it('lists the github-mcp-server tool names with read/destructive annotations', async () => {
    const { tools } = await client.listTools();
    const byName = new Map(tools.map((t) => [t.name, t]));
    expect([...byName.keys()].sort()).toEqual([
      'actions_run_trigger', 'add_issue_comment', 'create_branch', 'create_or_update_file', 'create_pull_request', 'get_commit', 'get_file_contents',
      'issue_write', 'list_commits', 'merge_pull_request', 'pull_request_read', 'push_files',
    ]);
    expect(byName.get('get_commit')?.annotations?.readOnlyHint).toBe(true);
    expect(byName.get('get_file_contents')?.annotations?.readOnlyHint).toBe(true);
    expect(byName.get('pull_request_read')?.annotations?.readOnlyHint).toBe(true);
    expect(byName.get('merge_pull_request')?.annotations?.destructiveHint).toBe(true);
    expect(byName.get('create_branch')?.annotations?.readOnlyHint).toBe(false);
    expect(Object.keys(byName.get('merge_pull_request')?.inputSchema.properties ?? {})).toEqual(expect.arrayContaining(['owner', 'repo', 'pullNumber', 'commit_title', 'commit_message', 'merge_method']));
  });

  it('fixes code end to end: branch, file update, multi-file push, PR, review, comment, merge', async () => {
    const file = await call('get_file_contents', { ...repo, path: 'src/pool.ts' });
    expect(file.data).toMatchObject({ type: 'file', encoding: 'utf-8', content: 'export const POOL_SIZE = 10;\n' });
    const dir = await call('get_file_contents', { ...repo, path: '/' });
    expect((dir.data.entries as { path: string }[]).map((e) => e.path).sort()).toEqual(['bin', 'src']);

    const branch = await call('create_branch', { ...repo, branch: 'fix/pool-size' });
    expect(branch.data).toMatchObject({ ref: 'refs/heads/fix/pool-size', object: { sha: git('rev-parse', 'main') } });

    const update = await call('create_or_update_file', { ...repo, path: 'src/pool.ts', branch: 'fix/pool-size', message: 'Raise pool size to 30', content: 'export const POOL_SIZE = 30;\n', sha: file.data.sha });
    expect(update.isError).toBeFalsy();
    expect(git('show', 'fix/pool-size:src/pool.ts')).toBe('export const POOL_SIZE = 30;');

    const push = await call('push_files', {
      ...repo,
      branch: 'fix/pool-size',
      message: 'Add runbook, make script executable',
      files: [
        { path: 'docs/runbook.md', content: '# Pool exhaustion\n' },
        { path: 'bin/run.sh', content: '#!/bin/sh\necho run\n', mode: '100755' },
      ],
    });
    expect(push.data).toMatchObject({ ref: 'refs/heads/fix/pool-size', object: { sha: git('rev-parse', 'fix/pool-size') } });
    expect(git('show', 'fix/pool-size:docs/runbook.md')).toBe('# Pool exhaustion');
    // get_commit: what a commit changed, as github-mcp-server reports it (files with patches, or names only).
    const commit = await call('get_commit', { ...repo, sha: git('rev-parse', 'fix/pool-size') });
    expect(commit.data).toMatchObject({ sha: git('rev-parse', 'fix/pool-size'), parents: [expect.any(String)] });
    expect((commit.data.files as { filename: string; patch?: string }[]).map((f) => f.filename).sort()).toEqual(['bin/run.sh', 'docs/runbook.md']);
    expect((commit.data.files as { filename: string; patch?: string }[]).find((f) => f.filename === 'docs/runbook.md')?.patch).toContain('+# Pool exhaustion');
    const names = await call('get_commit', { ...repo, sha: 'fix/pool-size', include_diff: false });
    expect((names.data.files as Record<string, unknown>[]).every((f) => f.patch === undefined && typeof f.filename === 'string')).toBe(true);
    const retune = await call('push_files', { ...repo, branch: 'fix/pool-size', message: 'Tune script', files: [{ path: 'bin/run.sh', content: '#!/bin/sh\necho tuned\n' }] });
    expect(retune.isError).toBeFalsy();

    const commits = await call('list_commits', { ...repo, sha: 'fix/pool-size', perPage: 2 });
    expect((commits.data.commits as { message: string }[]).map((c) => c.message)).toEqual(['Tune script', 'Add runbook, make script executable']);
    expect(commits.data.hasNextPage).toBe(true);

    const pr = await call('create_pull_request', { ...repo, title: 'Raise DB pool size', head: 'fix/pool-size', base: 'main', body: 'Pool of 10 exhausted under 3x load' });
    const number = pr.data.number as number;
    expect(pr.data).toMatchObject({ state: 'open', head: { ref: 'fix/pool-size' }, base: { ref: 'main' } });

    const got = await call('pull_request_read', { method: 'get', ...repo, pullNumber: number });
    expect(got.data).toMatchObject({ mergeable: true, changed_files: 3, commits: 3 });
    const diff = await call('pull_request_read', { method: 'get_diff', ...repo, pullNumber: number });
    expect(diff.data.diff).toMatch(/^\+export const POOL_SIZE = 30;$/m);
    const files = await call('pull_request_read', { method: 'get_files', ...repo, pullNumber: number, perPage: 2 });
    expect(files.data).toMatchObject({ hasNextPage: true });
    expect((files.data.files as unknown[]).length).toBe(2);
    const status = await call('pull_request_read', { method: 'get_status', ...repo, pullNumber: number });
    expect(status.data).toMatchObject({ state: 'pending', total_count: 0, sha: git('rev-parse', 'fix/pool-size') });

    const comment = await call('add_issue_comment', { ...repo, issue_number: number, body: 'Verified in sandbox: p95 back to 0.3s' });
    expect(comment.data.body).toBe('Verified in sandbox: p95 back to 0.3s');
    const comments = await call('pull_request_read', { method: 'get_comments', ...repo, pullNumber: number });
    expect((comments.data.comments as { body: string }[])[0]?.body).toBe('Verified in sandbox: p95 back to 0.3s');

    const merged = await call('merge_pull_request', { ...repo, pullNumber: number, merge_method: 'squash', commit_title: 'Raise DB pool size (#1)' });
    expect(merged.data).toMatchObject({ merged: true, sha: git('rev-parse', 'main') });
    expect(git('log', '-1', '--format=%s', 'main')).toBe('Raise DB pool size (#1)');
    expect(git('show', 'main:src/pool.ts')).toBe('export const POOL_SIZE = 30;');
    // push_files kept the script's executable bit although no mode was given.
    expect(git('ls-tree', 'main', 'bin/run.sh')).toMatch(/^100755 /);
    expect(forge.events.list('pull_request.merged')).toHaveLength(1);
  });

  it('creates and updates issues, and dispatches workflows', async () => {
    const created = await call('issue_write', { method: 'create', ...repo, title: 'Checkout p95 2.5s', body: 'error rate 15%', labels: ['incident', 'sev2'] });
    expect(created.data).toMatchObject({ state: 'open', labels: ['incident', 'sev2'] });
    const updated = await call('issue_write', { method: 'update', ...repo, issue_number: created.data.number, state: 'closed', state_reason: 'completed' });
    expect(updated.data).toMatchObject({ state: 'closed', state_reason: 'completed' });

    const dispatched = await call('actions_run_trigger', { method: 'run_workflow', ...repo, workflow_id: 'deploy.yml', ref: 'main', inputs: { environment: 'production' } });
    expect(dispatched.data).toMatchObject({ method: 'run_workflow', dispatch: { status_code: 204, workflow_type: 'workflow_file' } });
    expect(forge.events.list('workflow.dispatched')).toEqual([expect.objectContaining({ workflowId: 'deploy.yml', inputs: { environment: 'production' } })]);
  });

  it('turns GitHub errors into isError results naming the status and what was wrong', async () => {
    const missing = await call('get_file_contents', { ...repo, path: 'nope.txt' });
    expect(missing.isError).toBe(true);
    expect(text(missing)).toMatch(/get_file_contents failed: GitHub API returned 404/);

    const current = await call('get_file_contents', { ...repo, path: 'src/pool.ts' });
    await call('create_branch', { ...repo, branch: 'stale' });
    const stale = await call('create_or_update_file', { ...repo, path: 'src/pool.ts', branch: 'stale', message: 'x', content: 'y', sha: 'f'.repeat(40) });
    expect(stale.isError).toBe(true);
    expect(text(stale)).toMatch(/409.*fetch the latest sha/);
    expect(current.isError).toBeFalsy();

    const noCommits = await call('create_pull_request', { ...repo, title: 't', head: 'stale', base: 'main' });
    expect(noCommits.isError).toBe(true);
    expect(text(noCommits)).toMatch(/422 \(Validation Failed: No commits between main and stale\)/);

    const exists = await call('create_branch', { ...repo, branch: 'stale' });
    expect(text(exists)).toMatch(/422 \(Reference already exists\)/);

    const noBranch = await call('push_files', { ...repo, branch: 'ghost', message: 'm', files: [{ path: 'a', content: 'b' }] });
    expect(text(noBranch)).toMatch(/branch 'ghost' not found/);

    const updateWithoutNumber = await call('issue_write', { method: 'update', ...repo, title: 'x' });
    expect(updateWithoutNumber.isError).toBe(true);
    expect(text(updateWithoutNumber)).toMatch(/'issue_number' is required/);
    const createWithoutTitle = await call('issue_write', { method: 'create', ...repo });
    expect(text(createWithoutTitle)).toMatch(/'title' is required/);
  });

  it('rejects bad arguments with isError naming the field', async () => {
    const bad = await call('pull_request_read', { method: 'get', ...repo, pullNumber: 'one' });
    expect(bad.isError).toBe(true);
    expect(text(bad)).toMatch(/pullNumber/);
    const badMethod = await call('pull_request_read', { method: 'explode', ...repo, pullNumber: 1 });
    expect(text(badMethod)).toMatch(/method/);
    const missingFiles = await call('push_files', { ...repo, branch: 'main', message: 'm' });
    expect(text(missingFiles)).toMatch(/files/);
  });

  it('never leaks the token: a wrong token gives a 401 result and clean logs', async () => {
    const wrong = await connect({ token: `${TOKEN}-wrong`, apiUrl: forge.url });
    const result = (await wrong.callTool({ name: 'get_file_contents', arguments: { ...repo, path: 'src/pool.ts' } })) as CallToolResult;
    expect(result.isError).toBe(true);
    expect(text(result)).toMatch(/401 \(Bad credentials\); the token is missing, expired or wrong/);
    expect(JSON.stringify(result)).not.toContain(TOKEN);
    expect(logLines.join('\n')).toMatch(/github tool call failed/);
    expect(logLines.join('\n')).not.toContain(TOKEN);
    await wrong.close();
  });
});
