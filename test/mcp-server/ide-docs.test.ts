import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_MCP_PORT, parseMcpArgs } from '../../src/cli/commands/mcp.js';
import { parseConfig } from '../../src/config/load.js';

// docs/ide.md: every IDE snippet has the key its client reads (VS Code `servers`, the others `mcpServers`)
// and a command that really starts the server: the snippet's `npx -y firebreak mcp ...` is run as the built
// CLI with the same arguments (placeholders such as the --config path pointed at a real file) and must serve
// the tools. URL snippets must name the address `firebreak mcp --http` listens on by default.

const root = fileURLToPath(new URL('../..', import.meta.url));
const CLI = join(root, 'dist', 'cli', 'main.js');
const doc = readFileSync(join(root, 'docs', 'ide.md'), 'utf8');

interface Snippet { label: string; line: number; value: Record<string, unknown> }

function snippets(): Snippet[] {
  const lines = doc.split('\n');
  const out: Snippet[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i] !== '```json') continue;
    const label = /^<!-- (ide-config: [\w-]+|firebreak-config) -->$/.exec(lines[i - 1]?.trim() ?? '')?.[1];
    if (!label) throw new Error(`docs/ide.md:${i + 1}: a json block without a <!-- ide-config: CLIENT --> label`);
    const body: string[] = [];
    for (i++; lines[i] !== '```'; i++) body.push(lines[i]!);
    out.push({ label, line: i + 1, value: JSON.parse(body.join('\n')) as Record<string, unknown> });
  }
  return out;
}

const all = snippets();
const ide = all.filter((s) => s.label.startsWith('ide-config: '));
const clientOf = (s: Snippet): string => s.label.slice('ide-config: '.length);

interface Entry { type?: string; command?: string; args?: string[]; env?: Record<string, string>; url?: string; headers?: Record<string, string> }

let dir: string;
let configFile: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'fb-ide-docs-'));
  configFile = join(dir, 'firebreak.config.json');
  writeFileSync(configFile, JSON.stringify({ memory: 'memory:', postmortemDir: 'incidents' }));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs `firebreak <args>` as the snippet would (built CLI, the snippet's env keys), lists the tools, stops it. */
async function toolsServedBy(args: string[], env: Record<string, string> = {}): Promise<string[]> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [CLI, ...args],
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, ...Object.fromEntries(Object.keys(env).map((k) => [k, 'placeholder-value'])) },
    stderr: 'ignore',
    cwd: dir,
  });
  const client = new Client({ name: 'ide-docs', version: '1.0.0' });
  await client.connect(transport);
  try {
    return (await client.listTools()).tools.map((t) => t.name);
  } finally {
    await client.close();
  }
}

/** The snippet's arguments after `firebreak`, with the documented --config placeholder pointed at a real file. */
function runnableArgs(args: string[]): string[] {
  expect(args.slice(0, 3)).toEqual(['-y', 'firebreak', 'mcp']);
  const rest = args.slice(2);
  const i = rest.indexOf('--config');
  if (i >= 0) rest[i + 1] = configFile;
  return rest;
}

describe('docs/ide.md', () => {
  it('has a config for each IDE, each under the key that IDE reads', () => {
    expect([...new Set(ide.map(clientOf))].sort()).toEqual(['claude-code', 'claude-desktop', 'cursor', 'vscode']);
    for (const s of ide) {
      const key = clientOf(s) === 'vscode' ? 'servers' : 'mcpServers';
      const other = key === 'servers' ? 'mcpServers' : 'servers';
      expect(Object.keys(s.value), `line ${s.line}`).toContain(key);
      expect(Object.keys(s.value), `line ${s.line}`).not.toContain(other);
      expect(Object.keys(s.value[key] as object), `line ${s.line}`).toEqual(['firebreak']);
    }
  });

  it('every stdio snippet starts a working server', async () => {
    const stdio = ide.filter((s) => ((s.value.servers ?? s.value.mcpServers) as Record<string, Entry>).firebreak!.command);
    expect(stdio.length).toBeGreaterThanOrEqual(4);
    for (const s of stdio) {
      const entry = ((s.value.servers ?? s.value.mcpServers) as Record<string, Entry>).firebreak!;
      expect(entry.command, `line ${s.line}`).toBe('npx');
      if (clientOf(s) === 'vscode') expect(entry.type, `line ${s.line}`).toBe('stdio');
      const args = runnableArgs(entry.args ?? []);
      expect(() => parseMcpArgs(args.slice(1)), `line ${s.line}`).not.toThrow();
      expect(await toolsServedBy(args, entry.env), `line ${s.line}`).toContain('incident_respond');
    }
  }, 60_000);

  it('every URL snippet names the address `firebreak mcp --http` listens on', () => {
    const http = ide.filter((s) => ((s.value.servers ?? s.value.mcpServers) as Record<string, Entry>).firebreak!.url);
    expect(http.length).toBeGreaterThanOrEqual(2);
    const defaults = parseMcpArgs(['--http']);
    for (const s of http) {
      const entry = ((s.value.servers ?? s.value.mcpServers) as Record<string, Entry>).firebreak!;
      if (clientOf(s) === 'vscode') expect(entry.type, `line ${s.line}`).toBe('http');
      expect(entry.url, `line ${s.line}`).toBe(`http://${defaults.host}:${DEFAULT_MCP_PORT}/mcp`);
      if (entry.headers) expect(entry.headers.Authorization, `line ${s.line}`).toMatch(/^Bearer \$\{input:\w+\}$/);
    }
  });

  it('the `claude mcp add` command starts a working server too', async () => {
    const line = doc.split('\n').find((l) => l.startsWith('claude mcp add --transport stdio'))!;
    const argv = line.slice(line.indexOf(' -- ') + 4).split(/\s+/);
    expect(argv[0]).toBe('npx');
    expect(await toolsServedBy(runnableArgs(argv.slice(1)))).toHaveLength(8);
    const httpLine = doc.split('\n').find((l) => l.startsWith('claude mcp add --transport http'))!;
    expect(httpLine).toContain(`http://127.0.0.1:${DEFAULT_MCP_PORT}/mcp`);
  }, 30_000);

  it('the example firebreak.config.json is valid', () => {
    const example = all.find((s) => s.label === 'firebreak-config')!;
    const env = { GRAFANA_SERVICE_ACCOUNT_TOKEN: 'glsa_x', GITHUB_TOKEN: 'ghp_x' };
    expect(parseConfig(example.value, 'docs/ide.md', dir, env)).toMatchObject({ model: 'anthropic', repository: 'acme/workflows-api', approval: { policy: 'require' } });
  });
});
