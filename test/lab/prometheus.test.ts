import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { Counter, Gauge, Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PrometheusConfigError, PrometheusNotInstalledError, PrometheusQueryError } from '../../src/lab/prometheus/errors.js';
import { startPrometheus, type PrometheusServer } from '../../src/lab/prometheus/server.js';
import { prometheusAvailable, waitUntil } from './helpers/lab.js';

/** A real HTTP server exposing prom-client metrics, standing in for any scrape target. */
async function metricsServer(): Promise<{ server: Server; address: string; registry: Registry; hits: Counter; level: Gauge }> {
  const registry = new Registry();
  const hits = new Counter({ name: 'demo_hits_total', help: 'hits', registers: [registry] });
  const level = new Gauge({ name: 'demo_level', help: 'level', registers: [registry] });
  const server = createServer((_req, res) => {
    void registry.metrics().then((text) => {
      res.writeHead(200, { 'content-type': registry.contentType });
      res.end(text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  if (addr === null || typeof addr === 'string') throw new Error('no address');
  return { server, address: `127.0.0.1:${addr.port}`, registry, hits, level };
}

describe('startPrometheus without the binary', () => {
  it('throws a typed error that says how to install it', async () => {
    const err = await startPrometheus({ binary: '/nonexistent/prometheus' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PrometheusNotInstalledError);
    expect((err as Error).message).toContain('apt-get install prometheus');
  });

  it('rejects invalid rules naming the field, before starting anything', async () => {
    const err = await startPrometheus({ binary: process.execPath, rules: [{ name: 'bad name', expr: 'up' }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PrometheusConfigError);
    expect((err as Error).message).toContain('rules.0.name');
  });
});

describe.skipIf(!prometheusAvailable('prometheus.test'))('startPrometheus with the real binary', () => {
  let prom: PrometheusServer;
  let demo: Awaited<ReturnType<typeof metricsServer>>;

  beforeAll(async () => {
    demo = await metricsServer();
    demo.level.set(7);
    prom = await startPrometheus({
      jobs: [{ job: 'demo', targets: [`http://${demo.address}/metrics`] }],
      rules: [{ name: 'DemoLevelHigh', expr: 'demo_level > 5', for: '2s', labels: { severity: 'critical' }, annotations: { summary: 'level is {{ $value }}' } }],
    });
  });

  afterAll(async () => {
    await prom?.stop();
    await new Promise((resolve) => demo?.server.close(resolve));
  });

  it('listens on loopback with the generated config and scrapes the target every second', async () => {
    expect(prom.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    await prom.waitForTargetsUp({ job: 'demo' });
    demo.hits.inc(5);
    const value = await waitUntil('demo_hits_total scraped', async () => (await prom.queryValue('demo_hits_total{job="demo"}')) === 5 || undefined);
    expect(value).toBe(true);
    expect(await prom.queryValue('demo_level')).toBe(7);
  });

  it('answers range queries and reports an empty instant result as undefined', async () => {
    const end = Date.now() / 1000;
    const series = await prom.queryRange('demo_level', { start: end - 5, end, stepSeconds: 1 });
    expect(series[0]?.metric.job).toBe('demo');
    expect(series[0]?.values.length).toBeGreaterThan(1);
    expect(await prom.queryValue('demo_level{job="nope"}')).toBeUndefined();
  });

  it('fires an alert rule given as data', async () => {
    const alert = await waitUntil('DemoLevelHigh firing', async () => (await prom.alerts()).find((a) => a.labels.alertname === 'DemoLevelHigh' && a.state === 'firing'), { timeoutMs: 15_000 });
    expect(alert.labels.severity).toBe('critical');
    expect(alert.annotations.summary).toBe('level is 7');
  });

  it('surfaces bad PromQL as PrometheusQueryError with Prometheus’ message', async () => {
    const err = await prom.query('sum(').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PrometheusQueryError);
    expect((err as PrometheusQueryError).errorType).toBe('bad_data');
  });

  it('follows a target that moved (file_sd) and picks up new rules (reload)', async () => {
    const moved = await metricsServer();
    try {
      moved.level.set(1);
      await prom.setTargets('demo', [moved.address]);
      await waitUntil('scrape of the moved target', async () => (await prom.queryValue(`demo_level{instance="${moved.address}"}`)) === 1 || undefined, { timeoutMs: 15_000 });
      await prom.setRules([{ name: 'DemoAlwaysOn', expr: 'vector(1)', for: 0 }]);
      await waitUntil('new rule firing', async () => (await prom.alerts()).some((a) => a.labels.alertname === 'DemoAlwaysOn' && a.state === 'firing') || undefined, { timeoutMs: 15_000 });
    } finally {
      await new Promise((resolve) => moved.server.close(resolve));
    }
  });

  it('stop() kills the process and removes its temp dir', async () => {
    const other = await startPrometheus();
    expect(existsSync(other.dir)).toBe(true);
    await other.stop();
    expect(existsSync(other.dir)).toBe(false);
    await expect(fetch(`${other.url}/-/ready`)).rejects.toThrow();
  });
});
