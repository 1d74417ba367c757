import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGithubServer } from '../../src/tools/servers/github/index.js';
import { serveHttp, type HttpServerHandle } from '../../src/tools/servers/serve.js';
import { startScratchForge, type Forge } from '../../src/lab/forge/index.js';
import { parseMcpArgs } from '../../src/cli/commands/mcp.js';
import { call, eventually } from './helpers/client.js';
import { p3Alert, quiet, REPO } from './helpers/world.js';

// `firebreak mcp` as IDEs run it: the built CLI (dist/), a real config file, real processes, stdio and HTTP.

const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
const TOKEN = 'cli-test-token-0123456789';
let dir: string;
let configFile: string;
let forge: Forge;
let github: HttpServerHandle;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fb-mcp-cli-'));
  forge = await startScratchForge({ ...REPO, files: { 'README.md': '# api\n' } });
  github = await serveHttp(() => createGithubServer({ apiUrl: forge.url }, { logger: quiet }), { logger: quiet });
  configFile = join(dir, 'firebreak.config.json');
  writeFileSync(configFile, JSON.stringify({
    mcpServers: { github: { type: 'http', url: github.url } },
    memory: 'memory:',
    repository: `${REPO.owner}/${REPO.repo}`,
    approval: { policy: 'require', risky: ['github.issue_write'] },
    postmortemDir: 'incidents',
  }, null, 2));
});

afterAll(async () => {
  await github?.close();
  await forge?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const env = (extra: Record<string, string> = {}): Record<string, string> => ({ PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, FIREBREAK_LOG_LEVEL: 'info', ...extra });

describe('parseMcpArgs', () => {
  it('parses flags and refuses HTTP flags without --http', () => {
    expect(parseMcpArgs(['--http', '--port=0', '--approve', 'auto', '--no-elicit'])).toMatchObject({ http: true, port: 0, approve: 'auto', elicit: false, host: '127.0.0.1' });
    expect(() => parseMcpArgs(['--port', '8080'])).toThrow(/--port needs --http/);
    expect(() => parseMcpArgs(['--http', '--port', 'x'])).toThrow(/expected a port number/);
    expect(() => parseMcpArgs(['--approve', 'maybe'])).toThrow(/auto, require or deny/);
    expect(() => parseMcpArgs(['--token', 'x'])).toThrow(/unknown option '--token'/);
  });
});

describe('firebreak mcp (built CLI)', () => {
  it('serves over stdio: an incident end to end through a config file, with logs on stderr only', async () => {
    const transport = new StdioClientTransport({ command: process.execPath, args: [CLI, 'mcp', '--config', configFile], env: env(), stderr: 'pipe', cwd: dir });
    let stderr = '';
    transport.stderr?.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    const client = new Client({ name: 'stdio-ide', version: '1.0.0' });
    await client.connect(transport); // a stray byte on stdout would break the handshake or a later parse
    try {
      expect((await client.listTools()).tools).toHaveLength(8);
      const { id } = await call(client, 'incident_respond', { alert: p3Alert('Disk (cli stdio)') });
      await eventually('pending approval', async () => (await call(client, 'incident_status', { id })).status === 'pending-approval', 20_000);
      await call(client, 'incident_approve', { id, reason: 'via the CLI' });
      const done = await eventually('resolved', async () => {
        const s = await call(client, 'incident_status', { id });
        return s.endedAt !== undefined && s;
      }, 20_000);
      expect(done.status).toBe('resolved');
      expect((await call(client, 'drill_list')).scenarios).toContainEqual(expect.objectContaining({ name: 'pool-exhaustion' }));
    } finally {
      await client.close();
    }
    const logs = stderr.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { msg: string });
    expect(logs.map((l) => l.msg)).toContain('serving over stdio');
  });

  it('logs to --log-file instead of stderr, and exits when the client goes away (stdin ends)', async () => {
    const logFile = join(dir, 'logs', 'mcp.log');
    const child = spawn(process.execPath, [CLI, 'mcp', '--config', configFile, '--log-file', logFile], { env: env(), stdio: ['pipe', 'pipe', 'pipe'], cwd: dir });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    await eventually('the server to start', () => existsSync(logFile) && readFileSync(logFile, 'utf8').includes('serving over stdio'), 15_000);
    child.stdin.end();
    expect(await exitCode(child, 15_000)).toBe(0);
    expect(stdout).toBe('');
    expect(stderr).toBe('');
  });

  it('serves Streamable HTTP with a bearer token, and stops on SIGTERM', async () => {
    const child = spawn(process.execPath, [CLI, 'mcp', '--config', configFile, '--http', '--port', '0'], { env: env({ FIREBREAK_MCP_TOKEN: TOKEN }), stdio: ['ignore', 'pipe', 'pipe'], cwd: dir });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let err = '';
        child.stderr.on('data', (d: Buffer) => {
          err += d.toString('utf8');
          const m = /firebreak mcp: serving (http:\/\/127\.0\.0\.1:\d+\/mcp) \(bearer token required\)/.exec(err);
          if (m) resolve(m[1]!);
        });
        child.once('exit', () => reject(new Error(`exited early: ${err}`)));
      });
      const denied = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      expect(denied.status).toBe(401);
      const client = new Client({ name: 'http-ide', version: '1.0.0' });
      await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { Authorization: `Bearer ${TOKEN}` } } }));
      expect((await call(client, 'incident_list')).incidents).toEqual([]);
      await client.close();
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exitCode(child, 15_000)).toBe(0);
  });

  it('refuses to start unsafely or with bad input (exit 2, the reason on stderr)', () => {
    const open = spawnSync(process.execPath, [CLI, 'mcp', '--http', '--host', '0.0.0.0', '--port', '0'], { env: env(), encoding: 'utf8', timeout: 15_000 });
    expect(open.status).toBe(2);
    expect(open.stderr).toMatch(/refusing to serve on 0\.0\.0\.0 without authentication: set FIREBREAK_MCP_TOKEN/);
    const short = spawnSync(process.execPath, [CLI, 'mcp', '--http', '--port', '0'], { env: env({ FIREBREAK_MCP_TOKEN: 'abc' }), encoding: 'utf8', timeout: 15_000 });
    expect(short.status).toBe(2);
    expect(short.stderr).toMatch(/FIREBREAK_MCP_TOKEN is too short/);
    const badConfig = join(dir, 'bad.json');
    writeFileSync(badConfig, JSON.stringify({ approval: { policy: 'sometimes' } }));
    const bad = spawnSync(process.execPath, [CLI, 'mcp', '--config', badConfig], { env: env(), encoding: 'utf8', timeout: 15_000 });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/approval\.policy/);
    expect(bad.stdout).toBe('');
  });
});

function exitCode(child: ChildProcess, timeoutMs: number): Promise<number | null> {
  return new Promise((resolve, reject) => {
    if (child.exitCode !== null) return resolve(child.exitCode);
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error('the server did not exit'));
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}
