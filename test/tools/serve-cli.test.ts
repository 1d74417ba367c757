import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// `firebreak tools` as a user runs it: the compiled CLI in dist/ (built by test/global-setup.ts).
const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
const hasBwrap = spawnSync('bwrap', ['--version']).status === 0;
if (!hasBwrap) console.warn('[serve-cli] bubblewrap missing: running the CLI tests with --isolation process');
const isolation = hasBwrap ? 'bwrap' : 'process';

let workspace: string;
beforeAll(() => {
  workspace = mkdtempSync(join(tmpdir(), 'fb-tools-cli-'));
});
afterAll(() => rmSync(workspace, { recursive: true, force: true }));

describe('firebreak tools', () => {
  it('lists the built-in servers', () => {
    const r = spawnSync(process.execPath, [CLI, 'tools'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^sandbox\s+run code/m);
  });

  it('rejects unknown servers and bad options with exit 2 and the usage', () => {
    const unknown = spawnSync(process.execPath, [CLI, 'tools', 'nope'], { encoding: 'utf8' });
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain("unknown server 'nope'");
    const bad = spawnSync(process.execPath, [CLI, 'tools', 'sandbox', '--isolation', 'chroot'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('--isolation');
    expect(bad.stderr).toContain('usage: firebreak tools');
  });

  it('refuses to start without bwrap, pointing at the fix', () => {
    const r = spawnSync(process.execPath, [CLI, 'tools', 'sandbox', '--workspace', workspace, '--bwrap', '/nonexistent/bwrap'], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('apt-get install bubblewrap');
    expect(r.stderr).toContain('--isolation process');
  });

  it('serves the sandbox over stdio (stdout stays pure protocol; logs on stderr)', async () => {
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [CLI, 'tools', 'sandbox', '--workspace', workspace, '--isolation', isolation],
      stderr: 'pipe',
    });
    let stderr = '';
    transport.stderr?.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    const client = new Client({ name: 'cli-stdio-test', version: '0.0.0' });
    await client.connect(transport);
    try {
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name).sort()).toEqual(['run_code', 'run_command']);
      const r = (await client.callTool({ name: 'run_command', arguments: { command: 'bash', args: ['-c', 'echo made > made.txt && cat made.txt'] } })) as CallToolResult;
      expect(r.structuredContent).toMatchObject({ exitCode: 0, stdout: 'made\n', isolation });
      expect(readFileSync(join(workspace, 'made.txt'), 'utf8')).toBe('made\n');
    } finally {
      await client.close();
    }
    expect(stderr).toContain('"msg":"sandbox ready"');
  });

  it('serves the sandbox over Streamable HTTP and shuts down cleanly on SIGTERM', async () => {
    const child = spawn(process.execPath, [CLI, 'tools', 'sandbox', '--workspace', workspace, '--isolation', isolation, '--http', '0'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let buffered = '';
        child.stderr.on('data', (d: Buffer) => {
          buffered += d.toString('utf8');
          for (const line of buffered.split('\n')) {
            if (line.includes('"msg":"listening"')) resolve((JSON.parse(line) as { url: string }).url);
          }
        });
        child.once('exit', () => reject(new Error(`server exited early: ${buffered}`)));
      });
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
      const client = new Client({ name: 'cli-http-test', version: '0.0.0' });
      await client.connect(new StreamableHTTPClientTransport(new URL(url)));
      const r = (await client.callTool({ name: 'run_code', arguments: { language: 'python', code: 'print(6 * 7)' } })) as CallToolResult;
      expect(r.structuredContent).toMatchObject({ exitCode: 0, stdout: '42\n', timedOut: false });
      await client.close();
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });
});
