import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runInspector } from './helpers/inspector.js';

const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
const hasBwrap = spawnSync('bwrap', ['--version']).status === 0;
if (!hasBwrap) console.warn('[inspector-sandbox] bubblewrap missing: using --isolation process');

let workspace: string;
let server: [string, ...string[]];
beforeAll(() => {
  workspace = mkdtempSync(join(tmpdir(), 'fb-inspector-sbx-'));
  server = [process.execPath, CLI, 'tools', 'sandbox', '--workspace', workspace, '--isolation', hasBwrap ? 'bwrap' : 'process'];
});
afterAll(() => rmSync(workspace, { recursive: true, force: true }));

describe('sandbox server under the MCP Inspector CLI', () => {
  it('tools/list: both tools, schemas portable (--strict finds nothing)', async () => {
    const r = await runInspector({ args: ['--method', 'tools/list', '--strict'], server });
    expect(r.code, r.stderr).toBe(0);
    const tools = (r.json as { result: { tools: { name: string }[] } }).result.tools;
    expect(tools.map((t) => t.name).sort()).toEqual(['run_code', 'run_command']);
    expect(r.stderr).not.toMatch(/Warning: tool/);
  });

  it('tools/call run_command with --tool-arg', async () => {
    const r = await runInspector({ args: ['--method', 'tools/call', '--tool-name', 'run_command', '--tool-arg', 'command=pwd'], server });
    expect(r.code, r.stderr).toBe(0);
    const { structuredContent } = (r.json as { result: { structuredContent: Record<string, unknown> } }).result;
    expect(structuredContent).toMatchObject({ exitCode: 0, timedOut: false, stdout: hasBwrap ? '/workspace\n' : `${workspace}\n` });
  });

  it('tools/call with an escaping cwd comes back as a tool error naming cwd', async () => {
    const args = ['--method', 'tools/call', '--tool-name', 'run_command', '--tool-args-json', JSON.stringify({ command: 'ls', cwd: '../' })];
    const r = await runInspector({ args, server });
    expect(r.code).toBe(5); // the Inspector's exit code for a result with isError: true
    expect(r.stdout).toContain('cwd: must stay inside the workspace');
  });
});
