import { execFileSync } from 'node:child_process';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startScratchForge, type Forge } from '../../src/lab/forge/index.js';
import { createGithubServer, GithubConfigError, githubServerFromArgs, parseGithubArgs, type GithubServerOptions } from '../../src/tools/servers/github/index.js';
import { builtinServers, ServerOptionsError } from '../../src/tools/servers/registry.js';

const repo = { owner: 'acme', repo: 'checkout' };
const quiet = pino({ level: 'silent' });
let forge: Forge;
const clients: Client[] = [];

const git = (...args: string[]): string => execFileSync('git', [`--git-dir=${forge.repoDir}`, ...args], { encoding: 'utf8' }).trim();

async function connect(server: McpServer): Promise<Client> {
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  const client = new Client({ name: 'github-modes-test', version: '1.0.0' });
  await client.connect(clientSide);
  clients.push(client);
  return client;
}

/** A fresh server instance (own memory), as after a restart. */
const fresh = (options: Partial<GithubServerOptions> = {}): Promise<Client> => connect(createGithubServer({ apiUrl: forge.url, ...options }, { logger: quiet }));

async function call(client: Client, name: string, args: Record<string, unknown>): Promise<Record<string, unknown>> {
  const result = (await client.callTool({ name, arguments: args })) as CallToolResult;
  if (result.isError) throw new Error(JSON.stringify(result.content));
  return result.structuredContent ?? {};
}

const toolNames = async (client: Client): Promise<string[]> => (await client.listTools()).tools.map((t) => t.name).sort();

beforeAll(async () => {
  forge = await startScratchForge({ ...repo, workflows: ['deploy.yml'], files: { 'src/pool.ts': 'export const POOL_SIZE = 10;\n' } });
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await forge?.stop();
});

describe('github server modes', () => {
  it('read-only registers only read tools; write tools do not exist', async () => {
    const client = await fresh({ readOnly: true });
    expect(await toolNames(client)).toEqual(['get_commit', 'get_file_contents', 'list_commits', 'pull_request_read']);
    const result = (await client.callTool({ name: 'create_branch', arguments: { ...repo, branch: 'x' } })) as CallToolResult;
    expect(result.isError).toBe(true);
    expect(git('branch', '--list', 'x')).toBe('');
  });

  it('toolsets select which tools are registered', async () => {
    expect(await toolNames(await fresh({ toolsets: ['issues'] }))).toEqual(['add_issue_comment', 'issue_write']);
    expect(await toolNames(await fresh({ toolsets: ['actions', 'pull_requests'], readOnly: true }))).toEqual(['pull_request_read']);
  });

  it('githubServerFromArgs reads flags and env like github-mcp-server; bad flags name themselves', async () => {
    const factory = githubServerFromArgs(['--read-only', '--toolsets', 'repos,issues'], { GITHUB_API_URL: forge.url }, quiet);
    expect(await toolNames(await connect(factory()))).toEqual(['get_commit', 'get_file_contents', 'list_commits']);
    expect(parseGithubArgs([], { GITHUB_TOKEN: 't1', GITHUB_PERSONAL_ACCESS_TOKEN: 't2', GITHUB_TOOLSETS: 'all', GITHUB_READ_ONLY: '1' })).toMatchObject({ token: 't2', readOnly: true, toolsets: ['repos', 'pull_requests', 'issues', 'actions'], apiUrl: 'https://api.github.com' });
    expect(() => parseGithubArgs(['--toolsets', 'repos,gists'], {})).toThrow(/--toolsets: unknown toolset 'gists'/);
    expect(() => parseGithubArgs(['--api-url', 'not a url'], {})).toThrow(GithubConfigError);
    expect(() => parseGithubArgs(['--api-url', 'not a url'], {})).toThrow(/apiUrl/);
    expect(() => parseGithubArgs(['--bogus'], {})).toThrow(/bogus/);
  });

  it('is registered as `firebreak tools github`, mapping bad options to ServerOptionsError', async () => {
    const github = builtinServers.github;
    expect(github?.usage).toMatch(/--read-only/);
    await expect(github?.fromArgs(['--toolsets', 'nope'], {})).rejects.toBeInstanceOf(ServerOptionsError);
    const factory = await github?.fromArgs([], { GITHUB_API_URL: forge.url }, { logger: quiet, cwd: process.cwd() });
    expect(factory && (await toolNames(await connect(factory())))).toHaveLength(12);
  });
});

describe('idempotency keys', () => {
  it('create_branch, push_files and create_pull_request act once per key, also across server restarts', async () => {
    const first = await fresh();
    const branch = await call(first, 'create_branch', { ...repo, branch: 'fix/idem', idempotencyKey: 'run-1/step-branch' });
    const again = await call(first, 'create_branch', { ...repo, branch: 'fix/idem', idempotencyKey: 'run-1/step-branch' });
    expect(again).toMatchObject({ ref: branch.ref, idempotentReplay: true });

    const push = { ...repo, branch: 'fix/idem', message: 'Raise pool', files: [{ path: 'src/pool.ts', content: 'export const POOL_SIZE = 30;\n' }], idempotencyKey: 'run-1/step-push' };
    const pushed = await call(first, 'push_files', push);
    const tip = git('rev-parse', 'fix/idem');
    expect(git('log', '-1', '--format=%B', tip)).toMatch(/Firebreak-Idempotency-Key: run-1\/step-push/);

    const prArgs = { ...repo, title: 'Raise pool', head: 'fix/idem', base: 'main', body: 'Fix', idempotencyKey: 'run-1/step-pr' };
    const pr = await call(first, 'create_pull_request', prArgs);

    const restarted = await fresh();
    expect(await call(restarted, 'create_branch', { ...repo, branch: 'fix/idem', idempotencyKey: 'run-1/step-branch' })).toMatchObject({ idempotentReplay: true });
    const repushed = await call(restarted, 'push_files', push);
    expect(repushed).toMatchObject({ idempotentReplay: true, object: { sha: (pushed.object as { sha: string }).sha } });
    expect(git('rev-parse', 'fix/idem')).toBe(tip);
    const rePr = await call(restarted, 'create_pull_request', prArgs);
    expect(rePr).toMatchObject({ number: pr.number, idempotentReplay: true });
    expect(forge.events.list('pull_request.opened').filter((e) => e.head === 'fix/idem')).toHaveLength(1);

    // A different key is a different side effect: GitHub's own duplicate check answers.
    const other = (await restarted.callTool({ name: 'create_pull_request', arguments: { ...prArgs, idempotencyKey: 'run-2/step-pr' } })) as CallToolResult;
    expect(other.isError).toBe(true);

    const merged = await call(restarted, 'merge_pull_request', { ...repo, pullNumber: pr.number, idempotencyKey: 'run-1/step-merge' });
    const remerged = await call(await fresh(), 'merge_pull_request', { ...repo, pullNumber: pr.number, idempotencyKey: 'run-1/step-merge' });
    expect(remerged).toMatchObject({ merged: true, sha: merged.sha, idempotentReplay: true });
  });

  it('issue_write(create) and add_issue_comment act once per key across restarts; concurrent repeats too', async () => {
    const args = { method: 'create', ...repo, title: 'Incident: pool exhaustion', body: 'p95 2.5s', idempotencyKey: 'run-7/issue' };
    const first = await fresh();
    const [a, b] = await Promise.all([call(first, 'issue_write', args), call(first, 'issue_write', args)]);
    expect(a.number).toBe(b.number);
    const replay = await call(await fresh(), 'issue_write', args);
    expect(replay).toMatchObject({ number: a.number, idempotentReplay: true });
    expect(forge.events.list('issue.opened').filter((e) => e.title === 'Incident: pool exhaustion')).toHaveLength(1);

    const comment = { ...repo, issue_number: a.number, body: 'Rolled back', idempotencyKey: 'run-7/comment' };
    const c1 = await call(first, 'add_issue_comment', comment);
    const c2 = await call(await fresh(), 'add_issue_comment', comment);
    expect(c2).toMatchObject({ id: c1.id, idempotentReplay: true });
    expect(forge.events.list('comment.created').filter((e) => e.number === a.number)).toHaveLength(1);

    const dispatch = { method: 'run_workflow', ...repo, workflow_id: 'deploy.yml', ref: 'main', idempotencyKey: 'run-7/deploy' };
    await call(first, 'actions_run_trigger', dispatch);
    expect(await call(first, 'actions_run_trigger', dispatch)).toMatchObject({ idempotentReplay: true });
    expect(forge.events.list('workflow.dispatched')).toHaveLength(1);
  });
});
