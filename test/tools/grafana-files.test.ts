import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectTools, type ToolHost } from '../../src/tools/host/index.js';
import { parseGrafanaArgs } from '../../src/tools/servers/grafana/index.js';
import { resultText, type ToolResult } from '../../src/tools/types.js';

const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
let dir: string;
let tools: ToolHost;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fb-grafana-files-'));
  const now = Date.now();
  const line = (ago: number, level: number, msg: string, extra: Record<string, unknown> = {}): string =>
    JSON.stringify({ level, time: now - ago, pid: 4242, hostname: 'target-1', msg, ...extra });
  await writeFile(join(dir, 'target.log'), [
    line(50_000, 30, 'request done', { route: '/api/workflows/execute', status: 200, durationMs: 280 }),
    line(40_000, 50, 'pool exhausted: timeout acquiring connection after 2500ms', { route: '/api/workflows/execute', status: 500, durationMs: 2500 }),
    line(30_000, 50, 'pool exhausted: timeout acquiring connection after 2500ms', { route: '/api/workflows/execute', status: 500, durationMs: 2510 }),
    line(20_000, 40, 'pool at capacity', { inUse: 10, size: 10 }),
  ].join('\n') + '\n');
  // The built CLI, over stdio, exactly as an IDE would start it.
  tools = await connectTools({
    logger: pino({ level: 'silent' }),
    env: { ...process.env, LOG_DIR: dir },
    mcpServers: {
      grafana: {
        command: process.execPath,
        args: [CLI, 'tools', 'grafana', '--log-file', 'target=${LOG_DIR}/target.log', '--annotations-file', '${LOG_DIR}/annotations.jsonl'],
        env: { FIREBREAK_LOG_LEVEL: 'warn' },
      },
    },
  });
}, 60_000);
afterAll(async () => {
  await tools?.close();
  await rm(dir, { recursive: true, force: true });
});

function data(result: ToolResult): Record<string, unknown> {
  expect(result.isError, resultText(result)).toBeUndefined();
  return result.structuredContent as Record<string, unknown>;
}

describe('grafana server over local JSON-lines logs (firebreak tools grafana, stdio)', () => {
  it('starts from the CLI and serves the log files as a loki datasource', async () => {
    expect(tools.status()[0]).toMatchObject({ state: 'connected', transport: 'stdio', tools: 10 });
    const ds = data(await tools.call('grafana.list_datasources', {}));
    expect(ds.datasources).toEqual([{ id: 0, uid: 'logs', name: 'Log files', type: 'loki', isDefault: true, source: 'file' }]);
    expect(data(await tools.call('grafana.list_loki_label_names', {}))).toEqual({ labelNames: ['filename', 'job'] });
    expect(data(await tools.call('grafana.list_loki_label_values', { labelName: 'job' }))).toEqual({ labelName: 'job', labelValues: ['target'] });
  });

  it('answers LogQL over the files: errors in the last 15 minutes, slow requests', async () => {
    const errors = data(await tools.call('grafana.query_loki_logs', { logql: '{job="target"} | json | level >= 50', startRfc3339: 'now-15m', endRfc3339: 'now' }));
    expect(errors.metadata).toMatchObject({ linesReturned: 2, resultsTruncated: false });
    const first = (errors.data as { line: string; labels: Record<string, string> }[])[0];
    expect(first?.labels).toEqual({ job: 'target', filename: join(dir, 'target.log') });
    expect(JSON.parse(first?.line ?? '{}')).toMatchObject({ msg: expect.stringContaining('pool exhausted'), status: 500 });
    const slow = data(await tools.call('grafana.query_loki_logs', { logql: '{job="target"} |= "request" | json | durationMs > 1000', direction: 'forward' }));
    expect(slow.data).toEqual([]);
    expect(slow.hints).toMatchObject({ summary: 'No log lines matched.' });
  });

  it('reports LogQL mistakes as isError results that say where', async () => {
    const bad = await tools.call('grafana.query_loki_logs', { logql: '{job="target"} | json | level >= "error"' });
    expect(bad.isError).toBe(true);
    expect(resultText(bad)).toBe("logql: '>=' compares numbers; compare strings with = != =~ !~ (at character 31)");
  });

  it('writes annotations to the JSON-lines file, once per idempotency key', async () => {
    const args = { text: 'rolled back to v41', tags: ['rollback'] };
    const first = data(await tools.call('grafana.create_annotation', args, { idempotencyKey: 'fb-aaaabbbbccccddddeeeeffff' }));
    const again = data(await tools.call('grafana.create_annotation', args, { idempotencyKey: 'fb-aaaabbbbccccddddeeeeffff' }));
    expect(first).toMatchObject({ created: true, message: 'Annotation added', file: join(dir, 'annotations.jsonl') });
    expect(again).toMatchObject({ created: false, id: first.id });
    const stored = (await readFile(join(dir, 'annotations.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(stored).toEqual([expect.objectContaining({ text: 'rolled back to v41', tags: ['rollback'], idempotencyKey: 'fb-aaaabbbbccccddddeeeeffff', time: expect.any(Number) })]);
  });
});

describe('grafana server options', () => {
  it('reads the environment and lets flags override it', () => {
    const opts = parseGrafanaArgs(['--prometheus-url', 'http://127.0.0.1:9999', '--log-file=/var/log/api.jsonl', '--log-file', 'worker=/var/log/w.jsonl'], {
      PROMETHEUS_URL: 'http://ignored:9090', LOKI_URL: 'http://127.0.0.1:3100', LOG_FILES: 'a=/x.log',
      GRAFANA_URL: 'https://grafana.example', GRAFANA_SERVICE_ACCOUNT_TOKEN: 'glsa_token_value_123',
    });
    expect(opts).toMatchObject({
      prometheusUrl: 'http://127.0.0.1:9999', lokiUrl: 'http://127.0.0.1:3100', grafanaUrl: 'https://grafana.example',
      grafanaToken: 'glsa_token_value_123', logFiles: [{ path: '/var/log/api.jsonl' }, { name: 'worker', path: '/var/log/w.jsonl' }],
      requestTimeoutMs: 30_000, maxLokiLogLimit: 100,
    });
    expect(parseGrafanaArgs([], { LOG_FILES: 'api=/a.log, /b.log' }).logFiles).toEqual([{ name: 'api', path: '/a.log' }, { path: '/b.log' }]);
  });

  it('names the bad flag or setting, and never echoes the token', () => {
    expect(() => parseGrafanaArgs([], {})).toThrow(/configure at least one backend: PROMETHEUS_URL, LOKI_URL, GRAFANA_URL or LOG_FILES/);
    expect(() => parseGrafanaArgs(['--prometheus-url', 'ftp://x'], {})).toThrow(/prometheusUrl: must be an http\(s\) URL/);
    expect(() => parseGrafanaArgs(['--bogus'], { PROMETHEUS_URL: 'http://p:9090' })).toThrow("unknown option '--bogus'");
    expect(() => parseGrafanaArgs(['--loki-url'], {})).toThrow('--loki-url needs a value');
    expect(() => parseGrafanaArgs(['--request-timeout-ms', 'soon'], { PROMETHEUS_URL: 'http://p:9090' })).toThrow(/requestTimeoutMs/);
    let message = '';
    try {
      parseGrafanaArgs([], { GRAFANA_SERVICE_ACCOUNT_TOKEN: 'glsa_secret_value_999' });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain('grafanaUrl: required when a Grafana token is given');
    expect(message).not.toContain('glsa_secret_value_999');
  });
});
