import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createSandboxServer, openSandbox, SandboxConfigError, SandboxUnavailableError, type Sandbox,
} from '../../src/tools/servers/sandbox/index.js';

const hasBwrap = spawnSync('bwrap', ['--version']).status === 0;
if (!hasBwrap) console.warn('[sandbox-server] bwrap tests SKIPPED: bubblewrap is not installed; apt-get install bubblewrap');
const silent = pino({ level: 'silent' });

async function connect(sandbox: Sandbox): Promise<Client> {
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await createSandboxServer({ sandbox }).connect(serverSide);
  const client = new Client({ name: 'sandbox-test', version: '0.0.0' });
  await client.connect(clientSide);
  return client;
}

function text(result: unknown): string {
  const r = result as CallToolResult;
  return r.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');
}

let workspace: string;
beforeAll(() => {
  workspace = mkdtempSync(join(tmpdir(), 'fb-sbx-srv-'));
  mkdirSync(join(workspace, 'pkg', 'sub'), { recursive: true });
  symlinkSync('/etc', join(workspace, 'etc-link'));
});
afterAll(() => rmSync(workspace, { recursive: true, force: true }));

describe.skipIf(!hasBwrap)('sandbox MCP server (bwrap)', () => {
  let client: Client;
  beforeAll(async () => {
    client = await connect(await openSandbox({ workspace, limits: { maxTimeoutMs: 60_000 } }, { logger: silent }));
  });
  afterAll(async () => client?.close());

  it('lists run_code and run_command with honest annotations and schemas', async () => {
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(['run_code', 'run_command']);
    for (const tool of tools) {
      expect(tool.annotations).toMatchObject({ readOnlyHint: false, openWorldHint: false });
      expect(tool.outputSchema?.properties).toHaveProperty('timedOut');
    }
    const runCommand = tools.find((t) => t.name === 'run_command');
    expect(runCommand?.inputSchema.required).toEqual(['command']);
  });

  it('runs a command in a cwd inside the workspace and returns structured output', async () => {
    const r = (await client.callTool({ name: 'run_command', arguments: { command: 'pwd', cwd: 'pkg/sub' } })) as CallToolResult;
    expect(r.isError).toBeFalsy();
    expect(r.structuredContent).toMatchObject({ exitCode: 0, stdout: '/workspace/pkg/sub\n', timedOut: false, isolation: 'bwrap' });
    expect(JSON.parse(text(r))).toEqual(r.structuredContent);
  });

  it('reports a failing command as a normal result, not an error', async () => {
    const r = (await client.callTool({ name: 'run_command', arguments: { command: 'bash', args: ['-c', 'echo boom >&2; exit 7'] } })) as CallToolResult;
    expect(r.isError).toBeFalsy();
    expect(r.structuredContent).toMatchObject({ exitCode: 7, stderr: 'boom\n' });
  });

  it.each([
    ['run_code', { language: 'ruby', code: 'puts 1' }, 'language'],
    ['run_code', { language: 'python' }, 'code'],
    ['run_command', { args: ['x'] }, 'command'],
    ['run_command', { command: 'true', timeoutMs: 10_000_000 }, 'timeoutMs'],
    ['run_command', { command: 'true', args: 'not-an-array' }, 'args'],
    ['run_command', { command: 'true', cwd: '../..' }, 'cwd'],
    ['run_command', { command: 'true', cwd: '/etc' }, 'cwd'],
    ['run_command', { command: 'true', cwd: 'no/such/dir' }, 'cwd'],
    ['run_command', { command: 'true', cwd: 'etc-link' }, 'cwd'],
  ])('%s with invalid args %j is an isError naming %s', async (name, args, field) => {
    const r = (await client.callTool({ name, arguments: args })) as CallToolResult;
    expect(r.isError).toBe(true);
    expect(text(r)).toContain(field);
  });

  it('kills the run when the client cancels the call', async () => {
    const controller = new AbortController();
    const call = client.callTool({ name: 'run_command', arguments: { command: 'sleep', args: ['37'] } }, undefined, { signal: controller.signal });
    setTimeout(() => controller.abort(), 300);
    await expect(call).rejects.toThrow();
    // The server aborts the run on notifications/cancelled; give it a moment, then no `sleep 37` remains.
    await new Promise((r) => setTimeout(r, 500));
    const ps = spawnSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).stdout;
    expect(ps.split('\n').filter((l) => l.startsWith('sleep 37'))).toEqual([]);
  });
});

describe('sandbox with --isolation process', () => {
  it('scrubs the environment and warns in the result', async () => {
    process.env.GITHUB_TOKEN = 'ghp_process_canary';
    try {
      const client = await connect(await openSandbox({ workspace, isolation: 'process' }, { logger: silent }));
      const r = (await client.callTool({ name: 'run_command', arguments: { command: 'env' } })) as CallToolResult;
      await client.close();
      expect(r.isError).toBeFalsy();
      const out = r.structuredContent as { stdout: string; isolation: string; warning?: string; workspace: string };
      expect(out.stdout).not.toContain('ghp_process_canary');
      expect(out.stdout).toMatch(/^PATH=/m);
      expect(out.isolation).toBe('process');
      expect(out.workspace).toBe(workspace);
      expect(out.warning).toMatch(/NOT sandboxed/);
    } finally {
      delete process.env.GITHUB_TOKEN;
    }
  });
});

describe('openSandbox refusals', () => {
  it('refuses when bwrap is missing, naming the package and the process fallback', async () => {
    const err = await openSandbox({ workspace, bwrapPath: '/nonexistent/bwrap' }, { logger: silent }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SandboxUnavailableError);
    expect((err as Error).message).toContain('apt-get install bubblewrap');
    expect((err as Error).message).toContain('--isolation process');
  });

  it('rejects bad configuration naming the field', async () => {
    await expect(openSandbox({ workspace, limits: { maxProcesses: 1 } }, { logger: silent })).rejects.toThrow(/limits\.maxProcesses/);
    await expect(openSandbox({ workspace: join(workspace, 'missing') }, { logger: silent })).rejects.toThrow(SandboxConfigError);
    await expect(openSandbox({ workspace, limits: { defaultTimeoutMs: 9_000, maxTimeoutMs: 1_000 } }, { logger: silent })).rejects.toThrow(
      /limits\.defaultTimeoutMs/,
    );
  });
});
