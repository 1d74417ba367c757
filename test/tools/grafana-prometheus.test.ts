import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getFreePort } from '../../src/lab/ports.js';
import { connectTools, type ToolHost } from '../../src/tools/host/index.js';
import { createGrafanaServer } from '../../src/tools/servers/grafana/index.js';
import { resultText, type ToolResult } from '../../src/tools/types.js';
import { startGrafanaLab, type GrafanaLab } from './helpers/grafana-lab.js';

let lab: GrafanaLab;
let tools: ToolHost;
let closedPort: number;

beforeAll(async () => {
  lab = await startGrafanaLab();
  closedPort = await getFreePort();
  tools = await connectTools({
    logger: pino({ level: 'silent' }),
    mcpServers: {
      grafana: { server: () => createGrafanaServer({ prometheusUrl: lab.prometheus.url }) },
      nowhere: { server: () => createGrafanaServer({ prometheusUrl: `http://127.0.0.1:${closedPort}` }) },
    },
  });
}, 60_000);
afterAll(async () => {
  await tools?.close();
  await lab?.stop();
});

function data(result: ToolResult): Record<string, unknown> {
  expect(result.isError, resultText(result)).toBeUndefined();
  return result.structuredContent as Record<string, unknown>;
}

describe('grafana server against a real Prometheus', () => {
  it('exposes the mcp-grafana tool names, read-only tools marked as such', () => {
    const names = tools.list().filter((t) => t.name.startsWith('grafana.')).map((t) => t.name.slice('grafana.'.length));
    expect(names.sort()).toEqual([
      'alerting_manage_rules', 'create_annotation', 'list_datasources', 'list_loki_label_names', 'list_loki_label_values',
      'list_prometheus_label_names', 'list_prometheus_label_values', 'list_prometheus_metric_names', 'query_loki_logs', 'query_prometheus',
    ]);
    const spec = (n: string) => tools.list().find((t) => t.name === `grafana.${n}`);
    expect(spec('query_prometheus')?.annotations?.readOnlyHint).toBe(true);
    expect(spec('create_annotation')?.annotations?.readOnlyHint).toBe(false);
    expect(Object.keys((spec('query_prometheus')?.inputSchema as { properties: object }).properties)).toEqual(
      expect.arrayContaining(['datasourceUid', 'expr', 'queryType', 'startTime', 'endTime', 'stepSeconds']),
    );
  });

  it('lists the direct datasource', async () => {
    const list = data(await tools.call('grafana.list_datasources', {}));
    expect(list).toEqual({ datasources: [{ id: 0, uid: 'prometheus', name: 'Prometheus', type: 'prometheus', isDefault: true, source: 'direct' }], total: 1, hasMore: false });
  });

  it('discovers metrics and label values', async () => {
    const names = data(await tools.call('grafana.list_prometheus_metric_names', { regex: '^firebreak_test_', limit: 10 }));
    expect(names.metricNames).toEqual(['firebreak_test_db_pool_in_use', 'firebreak_test_db_pool_size', 'firebreak_test_http_requests_total']);
    const routes = data(await tools.call('grafana.list_prometheus_label_values', {
      labelName: 'route',
      matches: [{ filters: [{ name: '__name__', value: 'firebreak_test_http_requests_total', type: '=' }] }],
    }));
    expect(routes.labelValues).toEqual(['/api/health', '/api/workflows/execute']);
  });

  it('runs instant and range queries (times as now-relative or RFC3339)', async () => {
    const instant = data(await tools.call('grafana.query_prometheus', {
      expr: 'sum by (route) (firebreak_test_http_requests_total{status="500"}) / sum by (route) (firebreak_test_http_requests_total)',
      queryType: 'instant',
      startTime: 'now',
    }));
    expect(instant.resultType).toBe('vector');
    expect(instant.result).toEqual([{ metric: { route: '/api/workflows/execute' }, value: [expect.any(Number), '0.15'] }]);
    const range = data(await tools.call('grafana.query_prometheus', {
      expr: 'firebreak_test_db_pool_in_use',
      queryType: 'range',
      startTime: new Date(Date.now() - 20_000).toISOString(),
      endTime: 'now',
      stepSeconds: 2,
    }));
    expect(range).toMatchObject({ resultType: 'matrix', queryType: 'range', stepSeconds: 2 });
    const series = range.result as { metric: Record<string, string>; values: [number, string][] }[];
    expect(series[0]?.metric).toMatchObject({ job: 'target', __name__: 'firebreak_test_db_pool_in_use' });
    expect(series[0]?.values.at(-1)?.[1]).toBe('10');
  });

  it('adds hints to an empty result', async () => {
    const empty = data(await tools.call('grafana.query_prometheus', { expr: 'no_such_metric', queryType: 'instant' }));
    expect(empty.result).toEqual([]);
    expect(empty.hints).toMatchObject({ summary: 'The query returned no data.' });
  });

  it('shows alert rules with their firing state', async () => {
    const list = data(await tools.call('grafana.alerting_manage_rules', { operation: 'list' }));
    expect(list).toMatchObject({ source: 'prometheus', total: 2, firing: 1 });
    const rules = list.rules as { uid: string; title: string; state: string; active_alerts: number }[];
    expect(rules.map((r) => [r.title, r.state, r.active_alerts])).toEqual([['PoolExhausted', 'firing', 1], ['QuietRule', 'normal', 0]]);
    const firing = data(await tools.call('grafana.alerting_manage_rules', { operation: 'list', states: ['firing'] }));
    expect((firing.rules as { title: string }[]).map((r) => r.title)).toEqual(['PoolExhausted']);
    const uid = rules[0]?.uid;
    const detail = data(await tools.call('grafana.alerting_manage_rules', { operation: 'get', rule_uid: uid }));
    expect(detail.rule).toMatchObject({
      title: 'PoolExhausted', state: 'firing', query: 'firebreak_test_db_pool_in_use >= firebreak_test_db_pool_size',
      labels: { severity: 'critical', service: 'target' }, annotations: { summary: 'connection pool exhausted' },
      alerts: [expect.objectContaining({ state: 'firing', value: expect.stringMatching(/^1e\+01$|^10$/) })],
    });
  });

  it('answers bad input with an isError result naming the field', async () => {
    const cases: [string, Record<string, unknown>, RegExp][] = [
      ['query_prometheus', {}, /expr/],
      ['query_prometheus', { expr: 'up', queryType: 'sideways' }, /queryType/],
      ['query_prometheus', { expr: 'up', startTime: 'yesterday' }, /^startTime: 'yesterday' is not a time/],
      ['query_prometheus', { expr: 'up', startTime: 'now', endTime: 'now-1h' }, /^endTime: must be after startTime/],
      ['query_prometheus', { expr: 'up', startTime: 'now-7d', stepSeconds: 1 }, /^stepSeconds: 1 s over this range gives 604801 points/],
      ['query_prometheus', { expr: 'sum(', queryType: 'instant' }, /^prometheus: HTTP 400 from \/api\/v1\/query: bad_data: .*parse error/],
      ['query_prometheus', { expr: 'up', datasourceUid: 'other' }, /^datasourceUid: no datasource 'other'; prometheus datasources: prometheus/],
      ['list_prometheus_metric_names', { regex: '(' }, /^regex: invalid regular expression/],
      ['list_prometheus_label_values', { labelName: 'bad-name' }, /labelName/],
      ['alerting_manage_rules', { operation: 'get' }, /^rule_uid: required for operation 'get'/],
      ['alerting_manage_rules', { operation: 'get', rule_uid: 'nope' }, /^rule_uid: no rule 'nope'; rules: firebreak-lab:PoolExhausted/],
      ['query_loki_logs', { logql: '{job="x"}' }, /no loki datasource is configured \(set LOKI_URL, LOG_FILES or GRAFANA_URL\)/],
      ['create_annotation', { text: 'deployed' }, /needs GRAFANA_URL, or ANNOTATIONS_FILE/],
    ];
    for (const [tool, args, message] of cases) {
      const result = await tools.call(`grafana.${tool}`, args);
      expect(result.isError, `${tool} ${JSON.stringify(args)}`).toBe(true);
      expect(resultText(result), `${tool} ${JSON.stringify(args)}`).toMatch(message);
    }
  });

  it('says clearly when Prometheus cannot be reached', async () => {
    const result = await tools.call('nowhere.query_prometheus', { expr: 'up', queryType: 'instant' });
    expect(result.isError).toBe(true);
    expect(resultText(result)).toBe(`prometheus: cannot reach http://127.0.0.1:${closedPort}: ECONNREFUSED`);
  });
});
