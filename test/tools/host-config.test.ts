import { describe, expect, it } from 'vitest';
import { resolveHostConfig, ToolHostConfigError } from '../../src/tools/host/index.js';

function issuesOf(input: unknown): string {
  try {
    resolveHostConfig(input);
  } catch (err) {
    expect(err).toBeInstanceOf(ToolHostConfigError);
    return (err as Error).message;
  }
  throw new Error('expected the config to be rejected');
}

describe('tool host config', () => {
  it('reads the IDE mcpServers format and expands ${VAR} and ${VAR:-default}', () => {
    const env = { TOKEN: 'tok-123456', HOME: '/home/u' };
    const cfg = resolveHostConfig({
      env,
      mcpServers: {
        grafana: { command: 'npx', args: ['firebreak', 'tools', 'grafana', '--log-file', '${HOME}/app.log'], env: { PROMETHEUS_URL: '${PROM:-http://127.0.0.1:9090}' } },
        remote: { type: 'http', url: 'http://127.0.0.1:1/mcp', headers: { Authorization: 'Bearer ${TOKEN}' } },
        cursorStyle: { url: 'http://127.0.0.1:2/mcp' },
        off: { command: 'nope', disabled: true },
      },
      callTimeoutMs: 1_000,
      serverOptions: { grafana: { callTimeoutMs: 5_000, retry: { attempts: 1 } } },
    });
    expect(cfg.servers.map((s) => s.name)).toEqual(['grafana', 'remote', 'cursorStyle']);
    const [grafana, remote, cursor] = cfg.servers;
    expect(grafana?.server).toEqual({
      kind: 'stdio', command: 'npx', args: ['firebreak', 'tools', 'grafana', '--log-file', '/home/u/app.log'],
      env: { PROMETHEUS_URL: 'http://127.0.0.1:9090' },
    });
    expect(grafana?.policy.callTimeoutMs).toBe(5_000);
    expect(grafana?.policy.retry).toEqual({ attempts: 1, initialDelayMs: 200, maxDelayMs: 2_000 });
    expect(remote?.server).toEqual({ kind: 'http', url: 'http://127.0.0.1:1/mcp', headers: { Authorization: 'Bearer tok-123456' } });
    expect(remote?.policy.callTimeoutMs).toBe(1_000);
    expect(cursor?.server.kind).toBe('http');
  });

  it("accepts VS Code's `servers` key and ${env:VAR}, and explains ${input:...}", () => {
    const cfg = resolveHostConfig({ servers: { gh: { type: 'stdio', command: 'node', args: ['x.js'], env: { T: '${env:TOKEN}' } } }, env: { TOKEN: 'abc' } });
    expect(cfg.servers[0]?.server).toMatchObject({ kind: 'stdio', command: 'node', env: { T: 'abc' } });
    expect(issuesOf({ servers: { gh: { command: 'x', env: { T: '${input:github_token}' } } }, env: {} }))
      .toContain('servers.gh.env.T: ${input:github_token} is a VS Code prompt; outside VS Code use ${env:VAR} or ${VAR}');
  });

  it('names the field of a missing environment variable', () => {
    const msg = issuesOf({ env: {}, mcpServers: { github: { command: 'gh-mcp', env: { GITHUB_TOKEN: '${GITHUB_TOKEN}' } } } });
    expect(msg).toContain('mcpServers.github.env.GITHUB_TOKEN: environment variable GITHUB_TOKEN is not set');
  });

  it('names every bad field at once', () => {
    const msg = issuesOf({
      env: {},
      mcpServers: {
        'bad.name': { command: 'x' },
        nocmd: { args: ['a'] },
        sse: { type: 'sse', url: 'http://127.0.0.1/sse' },
        badurl: { type: 'http', url: 'not a url' },
        argsNotArray: { command: 'x', args: 'a b' },
      },
      serverOptions: { ghost: { callTimeoutMs: 1 } },
    });
    for (const field of ['mcpServers.bad.name', 'mcpServers.nocmd.command', 'mcpServers.sse.type', 'mcpServers.badurl.url', 'mcpServers.argsNotArray.args']) {
      expect(msg).toContain(field);
    }
    expect(msg).toContain("serverOptions.ghost: no server named 'ghost' is configured");
    expect(issuesOf({ mcpServers: {}, callTimeoutMs: -5 })).toContain('callTimeoutMs');
  });

  it('rejects unknown top-level options (typos fail loudly)', () => {
    expect(issuesOf({ mcpServers: {}, callTimeoutMS: 5 })).toContain('callTimeoutMS');
  });

  it('accepts in-process servers for tests and embedding', () => {
    const cfg = resolveHostConfig({ mcpServers: { mem: { transport: () => { throw new Error('unused'); } } } });
    expect(cfg.servers[0]?.server.kind).toBe('transport');
    expect(issuesOf({ mcpServers: { mem: { client: 42 } } })).toContain('mcpServers.mem.client');
  });
});
