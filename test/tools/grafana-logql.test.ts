import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LogQLError, parseDurationMs, parseLogQL, parseTime } from '../../src/tools/servers/grafana/index.js';
import { FileLogBackend } from '../../src/tools/servers/grafana/logs/file-logs.js';

const T0 = Date.parse('2025-11-14T09:00:00Z');
let dir: string;
let backend: FileLogBackend;

// pino-style lines: numeric level, epoch-ms time, msg, plus fields; one plain-text line.
const API_LINES = [
  { level: 30, time: T0 + 1_000, msg: 'request done', route: '/api/workflows/execute', status: 200, latency: '120ms' },
  { level: 50, time: T0 + 2_000, msg: 'pool exhausted: timeout acquiring connection', route: '/api/workflows/execute', status: 500, latency: '2.5s', err: { code: 'POOL_TIMEOUT' } },
  { level: 40, time: T0 + 3_000, msg: 'slow query', route: '/api/health', status: 200, latency: '900ms' },
  { level: 50, time: T0 + 4_000, msg: 'pool exhausted: timeout acquiring connection', route: '/api/workflows/execute', status: 503, latency: '3s', err: { code: 'POOL_TIMEOUT' } },
];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fb-logql-'));
  await writeFile(join(dir, 'api.log'), API_LINES.map((l) => JSON.stringify(l)).join('\n') + '\nnot json: ERROR something odd\n');
  await writeFile(join(dir, 'worker.log'), JSON.stringify({ level: 'warn', timestamp: new Date(T0 + 1_500).toISOString(), msg: 'retry storm', attempt: 7 }) + '\n');
  backend = new FileLogBackend(FileLogBackend.sourcesFrom([{ name: 'api', path: join(dir, 'api.log') }, { path: join(dir, 'worker.log') }]));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function lines(logql: string, opts: { limit?: number; direction?: 'forward' | 'backward'; startMs?: number; endMs?: number } = {}): Promise<string[]> {
  const result = await backend.query({ logql, startMs: opts.startMs ?? T0, endMs: opts.endMs ?? T0 + 60_000, limit: opts.limit ?? 100, direction: opts.direction ?? 'forward' });
  return result.entries.map((e) => {
    try {
      return (JSON.parse(e.line ?? '') as { msg: string }).msg;
    } catch {
      return e.line ?? '';
    }
  });
}

describe('LogQL over JSON-lines files', () => {
  it('selects streams by label (job from the configured name or the file name)', async () => {
    expect(await lines('{job="worker"}')).toEqual(['retry storm']);
    expect(await lines('{job=~"api|worker"}', { limit: 3 })).toEqual(['request done', 'retry storm', 'pool exhausted: timeout acquiring connection']);
    expect(await lines('{job!="api", filename=~".*worker.*"}')).toEqual(['retry storm']);
  });

  it('applies line filters, including regex and or-chains', async () => {
    expect(await lines('{job="api"} |= "pool exhausted"')).toHaveLength(2);
    expect(await lines('{job="api"} != "pool" |~ "(?i)error|slow"')).toEqual(['slow query', 'not json: ERROR something odd']);
    expect(await lines('{job="api"} |= "slow" or "request"')).toEqual(['request done', 'slow query']);
  });

  it('parses JSON and filters on fields: strings, numbers, durations, nested keys, and/or', async () => {
    expect(await lines('{job="api"} | json | status >= 500')).toHaveLength(2);
    expect(await lines('{job="api"} | json | level=50 and status=503')).toHaveLength(1);
    expect(await lines('{job="api"} | json | latency > 1s')).toHaveLength(2);
    expect(await lines('{job="api"} | json | err_code="POOL_TIMEOUT", route=~"/api/work.*"')).toHaveLength(2);
    expect(await lines('{job="api"} | json | (status=200 or status=503) | route!="/api/health"')).toEqual(['request done', 'pool exhausted: timeout acquiring connection']);
    expect(await lines('{job="api"} | json | __error__!=""')).toEqual(['not json: ERROR something odd']);
  });

  it("filters on detected_level without a parser, as Loki 3's structured metadata allows", async () => {
    expect(await lines('{job=~".+"} | detected_level="error"')).toEqual(['pool exhausted: timeout acquiring connection', 'pool exhausted: timeout acquiring connection', 'not json: ERROR something odd']);
    expect(await lines('{job="worker"} | detected_level="warn"')).toEqual(['retry storm']);
  });

  it('honours time range [start, end), direction and limit', async () => {
    expect(await lines('{job="api"} | json', { direction: 'backward', limit: 2, endMs: T0 + 4_000 })).toEqual(['slow query', 'pool exhausted: timeout acquiring connection']);
    // The plain-text line has no timestamp of its own: it takes the one of the line before it.
    expect(await lines('{job="api"}', { startMs: T0 + 3_500, endMs: T0 + 10_000 })).toEqual(['pool exhausted: timeout acquiring connection', 'not json: ERROR something odd']);
  });

  it('supports logfmt', async () => {
    const file = join(dir, 'fmt.log');
    await writeFile(file, `ts=${new Date(T0 + 500).toISOString()} level=error msg="db down" code=57P01\n`);
    const fmt = new FileLogBackend(FileLogBackend.sourcesFrom([{ name: 'fmt', path: file }]));
    const result = await fmt.query({ logql: '{job="fmt"} | logfmt | code="57P01" | msg="db down"', startMs: T0, endMs: T0 + 1_000, limit: 10, direction: 'forward' });
    expect(result.entries).toHaveLength(1);
  });

  it('rejects what it does not support, saying where', () => {
    const cases: [string, RegExp][] = [
      ['sum(rate({job="api"}[5m]))', /metric queries \(sum\(\.\.\.\)\) are not supported/],
      ['{}', /at least one matcher that does not match the empty string/],
      ['{job=~".*"}', /at least one matcher/],
      ['{job="api"', /expected ',' or '}', found the end of the query/],
      ['{job="api"} | line_format "{{.msg}}"', /'line_format' is not supported/],
      ['{job="api"} |= "unterminated', /unterminated string \(at character 16\)/],
      ['{job="api"} | json | latency > 10KB', /unsupported unit 'KB'/],
      ['{job="api"} | status > "x"', /'>' compares numbers/],
      ['job="api"', /expected a stream selector such as \{job="api"\}, found 'job' \(at character 1\)/],
    ];
    for (const [query, message] of cases) expect(() => parseLogQL(query), query).toThrow(message);
  });

  it('reports invalid regexes when a query runs', async () => {
    await expect(backend.query({ logql: '{job="api"} |~ "(unclosed"', startMs: T0, endMs: T0 + 1, limit: 1, direction: 'forward' })).rejects.toBeInstanceOf(LogQLError);
  });

  it('treats a log file that does not exist yet as an empty stream', async () => {
    const missing = new FileLogBackend(FileLogBackend.sourcesFrom([{ name: 'later', path: join(dir, 'not-yet.log') }]));
    const result = await missing.query({ logql: '{job="later"}', startMs: 0, endMs: Date.now(), limit: 10, direction: 'backward' });
    expect(result.entries).toEqual([]);
  });
});

describe('time arguments', () => {
  const now = Date.parse('2025-11-14T10:00:00Z');
  it('accepts RFC3339, now, now±duration and epochs', () => {
    expect(parseTime('2025-11-14T09:30:00Z', 'startTime', now)).toBe(Date.parse('2025-11-14T09:30:00Z'));
    expect(parseTime('now', 'startTime', now)).toBe(now);
    expect(parseTime('now-15m', 'startTime', now)).toBe(now - 15 * 60_000);
    expect(parseTime('now-1h30m', 'startTime', now)).toBe(now - 90 * 60_000);
    expect(parseTime('now-1.5h', 'startTime', now)).toBe(now - 90 * 60_000);
    expect(parseTime('1763110800', 'startTime', now)).toBe(1763110800_000);
    expect(parseDurationMs('500ms')).toBe(500);
  });
  it('names the field of a bad time', () => {
    expect(() => parseTime('yesterday', 'startTime', now)).toThrow(/^startTime: 'yesterday' is not a time/);
    expect(() => parseTime('now-15x', 'endTime', now)).toThrow(/^endTime: 'now-15x' has an invalid duration/);
  });
});
