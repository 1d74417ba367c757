import { describe, expect, it } from 'vitest';
import { run, step } from '../../src/index.js';
import type { Context } from '../../src/primitives/types.js';
import type { ToolResult, ToolSet, ToolSpec } from '../../src/tools/types.js';
import type { RolloutRecord } from '../../src/workflows/changes.js';
import type { IncidentContext } from '../../src/workflows/incident-context.js';
import { changesSchema, fitWindow, gatherChanges, sloStatus, versionSeries } from '../../src/workflows/stage-situation.js';
import { verificationSchema } from '../../src/workflows/verify.js';

// The situation stage's parts: pure window fitting and version series, and gathering against small fake
// ToolSets (the deploy, Prometheus and GitHub answers in the shapes the real servers give).

const NOW = Date.now();
const ago = (s: number): string => new Date(NOW - s * 1000).toISOString();

const incident = (extra: Partial<IncidentContext> = {}): IncidentContext => ({
  id: 'inc-1', title: 'error rate high', alertname: 'APIErrorRateHigh', status: 'firing', startsAt: ago(600), source: 'alertmanager',
  service: 'workflows-api', labels: {}, annotations: {}, window: '2m', ...extra,
});
const REPO = { owner: 'acme', repo: 'workflows-api', baseBranch: 'main' };
const settings = changesSchema.parse({});
const verification = verificationSchema.parse({});

const ok = (data: Record<string, unknown>): ToolResult => ({ content: [{ type: 'text', text: JSON.stringify(data) }], structuredContent: data });
const fail = (text: string): ToolResult => ({ content: [{ type: 'text', text }], isError: true });
const spec = (name: string): ToolSpec => ({ name, description: name, inputSchema: { type: 'object' } });

type Handler = (args: Record<string, unknown>) => ToolResult | Promise<ToolResult>;

/** A ToolSet offering exactly `handlers`; records each call. */
function fakeTools(handlers: Record<string, Handler>): ToolSet & { calls: { name: string; args: Record<string, unknown> }[] } {
  const calls: { name: string; args: Record<string, unknown> }[] = [];
  return {
    calls,
    list: () => Object.keys(handlers).map(spec),
    async call(name, args) {
      calls.push({ name, args });
      const h = handlers[name];
      return h ? h(args) : fail(`unknown tool ${name}`);
    },
  };
}

const inRun = <T>(fn: (ctx: Context) => Promise<T>): Promise<T> => run(step('situation', async (_: unknown, ctx) => fn(ctx)), undefined);

/** Prometheus: instant SLO queries answer healthy unless their time is after `badFrom` (seconds ago); range queries give `series`. */
function prometheus(o: { badFrom?: number; series?: unknown[] }): Handler {
  return (args) => {
    if (args.queryType === 'range') return ok({ resultType: 'matrix', result: o.series ?? [] });
    const t = typeof args.startTime === 'string' ? Date.parse(args.startTime) : NOW;
    const bad = o.badFrom !== undefined && t >= NOW - o.badFrom * 1000;
    const isLatency = String(args.expr).includes('histogram_quantile');
    return ok({ resultType: 'vector', result: [{ metric: {}, value: [t / 1000, bad ? (isLatency ? '2.5' : '0.3') : (isLatency ? '0.1' : '0')] }] });
  };
}

const REV = { A: 'a'.repeat(40), B: 'b'.repeat(40) };
const rollout = (id: string, rev: string, prev: [string, string] | undefined, startedAgo: number): RolloutRecord => ({
  kind: 'deploy', triggeredBy: 'lab', ref: 'main', releaseId: id, revision: rev, ...(prev ? { previousReleaseId: prev[0], previousRevision: prev[1] } : {}),
  startedAt: ago(startedAgo), finishedAt: ago(startedAgo - 5), outcome: 'succeeded',
});

describe('fitWindow', () => {
  const now = Date.parse('2026-11-23T05:00:00Z');
  const since = (s: number): number => now / 1000 - s;
  it('keeps the window when the data goes back far enough, or when how far is unknown', () => {
    expect(fitWindow('2m', since(600), now)).toBe('2m');
    expect(fitWindow('2m', since(122), now)).toBe('2m');
    expect(fitWindow('2m', undefined, now)).toBe('2m');
  });
  it('shortens it to the data there is, minus 2 s, never below 10 s', () => {
    expect(fitWindow('2m', since(50), now)).toBe('48s');
    expect(fitWindow('5m', since(121), now)).toBe('119s');
    expect(fitWindow('1h', since(3), now)).toBe('10s');
    expect(fitWindow('2m', since(-30), now)).toBe('10s'); // a clock ahead of us: the shortest window
    expect(fitWindow('30000ms', since(20), now)).toBe('18s');
  });
  it('never lengthens a window shorter than the floor, and leaves what it cannot read alone', () => {
    expect(fitWindow('5s', since(3), now)).toBe('5s');
    expect(fitWindow('10s', since(3), now)).toBe('10s');
    expect(fitWindow('1m30s', since(3), now)).toBe('1m30s');
    expect(fitWindow('', since(3), now)).toBe('');
  });
});

describe('versionSeries', () => {
  it('gives first and last sample time per (version, revision) series', () => {
    expect(versionSeries([
      { metric: { version: '1.4.2', revision: REV.A }, values: [[100, '1'], [110, '1'], [105, '1']] },
      { metric: { version: '1.5.0' }, values: [[120, '1']] },
      { metric: {}, values: [['130.5', '1']] },
    ])).toEqual([
      { version: '1.4.2', revision: REV.A, firstSeen: 100, lastSeen: 110 },
      { version: '1.5.0', firstSeen: 120, lastSeen: 120 },
      { firstSeen: 130.5, lastSeen: 130.5 },
    ]);
  });
  it('skips what is not a series with samples instead of failing on it', () => {
    expect(versionSeries(undefined)).toEqual([]);
    expect(versionSeries({ result: [] })).toEqual([]);
    expect(versionSeries([{ metric: { version: '1' } }, { metric: { version: '2' }, values: [] }, { values: [['x', '1']] }])).toEqual([]);
    expect(versionSeries([null, 5, 'text', { values: [null, [7, '1'], 'bad'] }])).toEqual([{ firstSeen: 7, lastSeen: 7 }]);
  });
});

describe('gatherChanges: every source may be missing or failing, none is fatal', () => {
  it('with no tools at all: each source says it is not available, and there is no change, suspect or known-good release', async () => {
    const tools = fakeTools({});
    const report = await inRun((ctx) => gatherChanges(incident({ repository: REPO }), settings, tools, ctx, verification));
    expect(report.sources).toEqual({
      deploy: 'tool deploy.rollout_status is not available',
      versions: 'tool grafana.query_prometheus is not available',
      commits: 'tool github.list_commits is not available',
    });
    expect(report).toMatchObject({ changes: [], commits: [], symptomStart: ago(600) });
    expect(report.suspect).toBeUndefined();
    expect(report.knownGood).toBeUndefined();
    expect(report.current).toBeUndefined();
    expect(tools.calls).toEqual([]);
  });

  it('failing and throwing tools are recorded with their error, and the report is still built', async () => {
    const tools = fakeTools({
      'deploy.rollout_status': () => fail('deployer unreachable: ECONNREFUSED'),
      'grafana.query_prometheus': () => { throw new Error('socket hang up'); },
      'github.list_commits': () => fail('404 Not Found'),
    });
    const report = await inRun((ctx) => gatherChanges(incident({ repository: REPO }), settings, tools, ctx, verification));
    expect(report.sources).toEqual({
      deploy: 'deploy.rollout_status failed: deployer unreachable: ECONNREFUSED',
      versions: 'grafana.query_prometheus failed: socket hang up',
      commits: 'github.list_commits failed: 404 Not Found',
    });
    expect(report.changes).toEqual([]);
    expect(report.commits).toEqual([]);
  });

  it('an empty version metric is named, and data in unexpected shapes is skipped rather than fatal', async () => {
    const tools = fakeTools({
      'deploy.rollout_status': () => ok({ current: 'r1', history: [null, 'r1', 42, rollout('r1', REV.A, undefined, 3600)] }),
      'grafana.query_prometheus': prometheus({ series: [] }),
    });
    const report = await inRun((ctx) => gatherChanges(incident(), settings, tools, ctx, verification));
    expect(report.sources).toEqual({ deploy: 'ok', versions: 'no build_info series for the service' });
    expect(report.changes).toEqual([]);
    expect(report.current).toBeUndefined();
    expect(report.commits).toBeUndefined(); // no repository: commits are not asked for
  });

  it('an abort is not a failing source: it ends the stage', async () => {
    const ac = new AbortController();
    const tools = fakeTools({ 'deploy.rollout_status': () => { ac.abort(new Error('incident cancelled')); throw new Error('aborted'); } });
    const pending = run(step('situation', async (_: unknown, ctx) => gatherChanges(incident(), settings, tools, ctx, verification)), undefined, { signal: ac.signal });
    await expect(pending).rejects.toThrow('incident cancelled');
  });

  it('with every source: the suspect deploy, the known-good release measured healthy, the config diff of the suspect and the commits', async () => {
    const history = [rollout('r1', REV.A, undefined, 7200), rollout('r2', REV.B, ['r1', REV.A], 900)];
    const files: Record<string, Record<string, string>> = {
      [REV.A]: { 'service.config.json': JSON.stringify({ pool: { size: 10 } }), 'worker.json': '{"concurrency":4}' },
      [REV.B]: { 'service.config.json': JSON.stringify({ pool: { size: 10, statementTimeoutMs: 50 } }), 'worker.json': '{"concurrency":4}' },
    };
    const tools = fakeTools({
      'deploy.rollout_status': () => ok({ current: { releaseId: 'r2', revision: REV.B, version: '1.5.0', state: 'running', restarts: 0 }, history: [...history].reverse() }),
      'grafana.query_prometheus': prometheus({ badFrom: 660, series: [{ metric: { version: '1.4.2', revision: REV.A }, values: [[NOW / 1000 - 3000, '1']] }] }),
      'github.get_file_contents': (a) => {
        const content = files[String(a.ref)]?.[String(a.path)];
        return content === undefined ? fail('404') : ok({ path: a.path, content });
      },
      'github.list_commits': () => ok({ commits: [
        { sha: 'c2', message: 'config: statement timeout 50 ms\n\nlong body', author: { name: 'dev', date: ago(1000) } },
        { sha: 'c1', message: 'initial' },
      ] }),
    });
    const o = changesSchema.parse({ configFiles: ['service.config.json', 'worker.json'] });
    const report = await inRun((ctx) => gatherChanges(incident({ repository: REPO }), o, tools, ctx, verification));
    expect(report.sources).toEqual({ deploy: 'ok', versions: 'ok', commits: 'ok' });
    expect(report.knownGood).toEqual({ releaseId: 'r1', revision: REV.A });
    expect(report.current).toEqual({ releaseId: 'r2', revision: REV.B, version: '1.5.0', state: 'running' });
    expect(report.suspect?.change.release.releaseId).toBe('r2');
    expect(report.suspect?.change.config).toEqual([{ path: 'pool.statementTimeoutMs', before: undefined, after: 50 }]);
    expect(report.suspect?.change.summary).toContain('; config: pool.statementTimeoutMs: (unset) -> 50');
    expect(report.changes[0]).toBe(report.suspect?.change);
    expect(report.commits).toEqual([{ sha: 'c2', message: 'config: statement timeout 50 ms', date: ago(1000) }, { sha: 'c1', message: 'initial' }]);
    expect(report.dataSince).toBeCloseTo(NOW / 1000 - 3000, 0);
    // The known-good release was judged by the SLO checks at the end of its life, just before r2 began.
    const asked = tools.calls.filter((c) => c.name === 'grafana.query_prometheus' && c.args.queryType === 'instant').map((c) => Date.parse(String(c.args.startTime)));
    expect(asked).toContain((Math.floor(Date.parse(ago(900)) / 1000) - 1) * 1000);
    const commitsCall = tools.calls.find((c) => c.name === 'github.list_commits');
    expect(commitsCall?.args).toMatchObject({ owner: 'acme', repo: 'workflows-api', sha: 'main', since: ago(600 + 3600) });
  });

  it('without deploy history, the version metric supplies the changes and the release running now', async () => {
    const series = [
      { metric: { version: '1.4.2', revision: REV.A }, values: [[NOW / 1000 - 3000, '1'], [NOW / 1000 - 901, '1']] },
      { metric: { version: '1.5.0', revision: REV.B }, values: [[NOW / 1000 - 900, '1'], [NOW / 1000 - 5, '1']] },
    ];
    const tools = fakeTools({ 'grafana.query_prometheus': prometheus({ badFrom: 660, series }) });
    const report = await inRun((ctx) => gatherChanges(incident(), settings, tools, ctx, verification));
    expect(report.changes.map((c) => c.kind)).toEqual(['version']);
    expect(report.knownGood).toEqual({ version: '1.4.2', revision: REV.A });
    expect(report.suspect?.change.release).toEqual({ version: '1.5.0', revision: REV.B });
    expect(report.current).toEqual({ version: '1.5.0', revision: REV.B });
    const range = tools.calls.find((c) => c.args.queryType === 'range');
    expect(range?.args.expr).toBe('max by (version, revision) (build_info{service="workflows-api"})');
  });

  it('a failing SLO query counts as unhealthy when judging a release: no known-good release from a measurement that did not happen', async () => {
    const history = [rollout('r1', REV.A, undefined, 7200), rollout('r2', REV.B, ['r1', REV.A], 900)];
    const tools = fakeTools({
      'deploy.rollout_status': () => ok({ history: [...history].reverse() }),
      'grafana.query_prometheus': (a) => (a.queryType === 'range' ? ok({ result: [] }) : fail('prometheus: query timed out')),
    });
    const report = await inRun((ctx) => gatherChanges(incident(), settings, tools, ctx, verification));
    expect(report.changes).toHaveLength(1);
    expect(report.knownGood).toBeUndefined();
    expect(report.suspect).toBeUndefined();
  });
});

describe('sloStatus', () => {
  it('measures the checks once: healthy only when every one holds; the p95 target comes from the p95 check', async () => {
    const tools = fakeTools({ 'grafana.query_prometheus': prometheus({}) });
    const status = await inRun((ctx) => sloStatus(incident(), verification, tools, ctx));
    expect(status).toMatchObject({ healthy: true, p95Seconds: 0.5 });
    expect(status.checks.map((c) => [c.name, c.value, c.ok])).toEqual([['error-rate', 0, true], ['p95-latency-seconds', 0.1, true]]);
    expect(status.checks[0]!.query).toContain('service="workflows-api"');
  });

  it('a failing tool or a missing tool is no data: the checks fail (noData: fail), and nothing throws', async () => {
    const failing = await inRun((ctx) => sloStatus(incident(), verification, fakeTools({ 'grafana.query_prometheus': () => fail('down') }), ctx));
    expect(failing.healthy).toBe(false);
    expect(failing.checks.map((c) => c.value)).toEqual([null, null]);
    const missing = await inRun((ctx) => sloStatus(incident(), verification, fakeTools({}), ctx));
    expect(missing.healthy).toBe(false);
  });

  it('no p95 target without a p95 "<" check', async () => {
    const custom = verificationSchema.parse({ checks: [{ name: 'errors', expr: 'sum(rate(errors_total[1m]))', op: '<', threshold: 1 }] });
    const tools = fakeTools({ 'grafana.query_prometheus': () => ok({ result: [{ value: [1, '3'] }] }) });
    const status = await inRun((ctx) => sloStatus(incident(), custom, tools, ctx));
    expect(status).toEqual({ healthy: false, checks: [{ name: 'errors', query: 'sum(rate(errors_total[1m]))', value: 3, op: '<', threshold: 1, ok: false }] });
  });
});
