import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectTools, type ToolHost } from '../../src/tools/host/index.js';
import { createGrafanaServer } from '../../src/tools/servers/grafana/index.js';
import { resultText, type ToolResult } from '../../src/tools/types.js';
import { LOKI_T0_NS, startFakeGrafana, startFakeLoki, type FakeServer } from './helpers/grafana-fakes.js';
import { startGrafanaLab, type GrafanaLab } from './helpers/grafana-lab.js';

const TOKEN = 'glsa_fbkTestToken0123456789abcdef_1a2b3c4d';
let lab: GrafanaLab;
let loki: FakeServer;
let grafana: FakeServer & { annotations: Record<string, unknown>[] };
let tools: ToolHost;

beforeAll(async () => {
  lab = await startGrafanaLab();
  loki = await startFakeLoki();
  grafana = await startFakeGrafana({ token: TOKEN, upstreams: { 'prom-main': lab.prometheus.url, 'loki-main': loki.url } });
  tools = await connectTools({
    logger: pino({ level: 'silent' }),
    mcpServers: {
      gf: { server: () => createGrafanaServer({ grafanaUrl: grafana.url, grafanaToken: TOKEN }) },
      loki: { server: () => createGrafanaServer({ lokiUrl: loki.url }) },
      badtoken: { server: () => createGrafanaServer({ grafanaUrl: grafana.url, grafanaToken: 'wrong-token-0000' }) },
    },
  });
}, 60_000);
afterAll(async () => {
  await tools?.close();
  await grafana?.close();
  await loki?.close();
  await lab?.stop();
});

function data(result: ToolResult): Record<string, unknown> {
  expect(result.isError, resultText(result)).toBeUndefined();
  return result.structuredContent as Record<string, unknown>;
}

const T = (offsetMs: number): string => new Date(Number(LOKI_T0_NS / 1_000_000n) + offsetMs).toISOString();

describe('grafana server through Grafana (datasource proxy)', () => {
  it("lists Grafana's datasources and filters by type", async () => {
    const all = data(await tools.call('gf.list_datasources', {}));
    expect((all.datasources as { uid: string }[]).map((d) => d.uid)).toEqual(['prom-main', 'loki-main', 'tempo', 'broken']);
    const lokiOnly = data(await tools.call('gf.list_datasources', { type: 'loki' }));
    expect(lokiOnly).toMatchObject({ total: 1, datasources: [{ uid: 'loki-main', type: 'loki', source: 'grafana' }] });
  });

  it('queries Prometheus through /api/datasources/proxy/uid/{uid} with the service account token', async () => {
    const result = data(await tools.call('gf.query_prometheus', { expr: 'firebreak_test_db_pool_in_use', queryType: 'instant' }));
    expect((result.result as { value: [number, string] }[])[0]?.value[1]).toBe('10');
    const proxied = grafana.requests.find((r) => r.path === '/api/datasources/proxy/uid/prom-main/api/v1/query');
    expect(proxied?.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(proxied?.query.get('query')).toBe('firebreak_test_db_pool_in_use');
  });

  it('refuses a datasource of the wrong type, and never shows the token in errors', async () => {
    const wrong = await tools.call('gf.query_prometheus', { expr: 'up', datasourceUid: 'loki-main' });
    expect(resultText(wrong)).toBe("datasourceUid: 'loki-main' is a loki datasource, not prometheus");
    const broken = await tools.call('gf.query_prometheus', { expr: 'up', queryType: 'instant', datasourceUid: 'broken' });
    expect(broken.isError).toBe(true);
    expect(resultText(broken)).toMatch(/^prometheus 'Broken' via grafana: HTTP 502 .*upstream failed; request carried Bearer \[REDACTED\]/);
    expect(JSON.stringify(broken)).not.toContain(TOKEN);
    const denied = await tools.call('badtoken.list_datasources', {});
    expect(resultText(denied)).toMatch(/^grafana: HTTP 401 from \/api\/datasources: Unauthorized/);
  });

  it('queries Loki through the proxy, asking for one line more than the limit to detect truncation', async () => {
    const result = data(await tools.call('gf.query_loki_logs', { logql: '{job=~"api|worker"}', startRfc3339: T(0), endRfc3339: T(60_000), limit: 2 }));
    expect((result.data as { line: string }[]).map((e) => JSON.parse(e.line).msg)).toEqual(['pool exhausted', 'retry storm']);
    expect(result.metadata).toMatchObject({ linesReturned: 2, maxLinesAllowed: 2, resultsTruncated: true });
    const sent = loki.requests.at(-1);
    expect(sent?.path).toBe('/loki/api/v1/query_range');
    expect(Object.fromEntries(sent?.query ?? [])).toEqual({
      query: '{job=~"api|worker"}', limit: '3', direction: 'backward',
      start: String(LOKI_T0_NS), end: String(LOKI_T0_NS + 60_000_000_000n),
    });
    expect(grafana.requests.some((r) => r.path === '/api/datasources/proxy/uid/loki-main/loki/api/v1/query_range')).toBe(true);
  });

  it('reads Grafana-managed alert rules, or a datasource\'s own rules with datasource_uid', async () => {
    const managed = data(await tools.call('gf.alerting_manage_rules', { operation: 'list' }));
    expect(managed).toMatchObject({ source: 'grafana', total: 2, firing: 1 });
    expect(managed.rules).toContainEqual(expect.objectContaining({ uid: 'gr-err-rate', state: 'firing', folder_uid: 'f-checkout', active_alerts: 1 }));
    const detail = data(await tools.call('gf.alerting_manage_rules', { operation: 'get', rule_uid: 'gr-err-rate' }));
    expect(detail.rule).toMatchObject({ alerts: [{ state: 'firing', value: '0.15' }] });
    const fromProm = data(await tools.call('gf.alerting_manage_rules', { operation: 'list', datasource_uid: 'prom-main', states: ['firing'] }));
    expect((fromProm.rules as { title: string }[]).map((r) => r.title)).toEqual(['PoolExhausted']);
  });

  it('creates annotations with POST /api/annotations, once per idempotency key', async () => {
    const first = data(await tools.call('gf.create_annotation', { text: 'hotfix deployed', tags: ['deploy'], time: 1_763_110_900_000 }, { idempotencyKey: 'fb-0123456789abcdef01234567' }));
    const again = data(await tools.call('gf.create_annotation', { text: 'hotfix deployed', tags: ['deploy'] }, { idempotencyKey: 'fb-0123456789abcdef01234567' }));
    expect(first).toMatchObject({ id: 1, created: true, message: 'Annotation added' });
    expect(again).toMatchObject({ id: 1, created: false });
    expect(grafana.annotations).toEqual([{ id: 1, text: 'hotfix deployed', time: 1_763_110_900_000, tags: ['deploy', 'firebreak-idempotency:fb-0123456789abcdef01234567'] }]);
  });
});

describe('grafana server against Loki directly', () => {
  it('orders lines across streams newest first and reports stream labels', async () => {
    const result = data(await tools.call('loki.query_loki_logs', { logql: '{job=~".+"}', startRfc3339: T(0), endRfc3339: T(60_000) }));
    expect(result.data).toEqual([
      { timestamp: String(LOKI_T0_NS + 3_000_000_000n), line: '{"level":"error","msg":"pool exhausted"}', labels: { job: 'api' } },
      { timestamp: String(LOKI_T0_NS + 2_000_000_000n), line: '{"level":"warn","msg":"retry storm"}', labels: { job: 'worker' } },
      { timestamp: String(LOKI_T0_NS + 1_000_000_000n), line: '{"level":"info","msg":"ok"}', labels: { job: 'api' } },
    ]);
    expect(result.metadata).toMatchObject({ resultsTruncated: false, linesReturned: 3 });
  });

  it('passes metric queries through (matrix) and lists labels', async () => {
    const metric = data(await tools.call('loki.query_loki_logs', { logql: 'count_over_time({job="api"}[1m])' }));
    expect(metric).toMatchObject({ resultType: 'matrix', data: [{ labels: { job: 'api' }, values: [{ timestamp: '1763110800', value: 3 }, { timestamp: '1763110860', value: 5 }] }] });
    expect(data(await tools.call('loki.list_loki_label_names', {}))).toEqual({ labelNames: ['job', 'level'] });
    expect(data(await tools.call('loki.list_loki_label_values', { labelName: 'job' }))).toEqual({ labelName: 'job', labelValues: ['api', 'worker'] });
  });

  it("surfaces Loki's own error text", async () => {
    const bad = await tools.call('loki.query_loki_logs', { logql: '{job="api"} BAD' });
    expect(resultText(bad)).toMatch(/^loki: HTTP 400 from \/loki\/api\/v1\/query_range: parse error at line 1/);
  });
});
