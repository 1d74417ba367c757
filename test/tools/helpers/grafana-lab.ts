// A real Prometheus (the apt binary, via src/lab/prometheus) scraping a prom-client exporter, with one
// alert that fires (the pool-exhaustion drill's: pool in use >= pool size) and one that never does.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, Gauge, Registry } from 'prom-client';
import { startPrometheus, type PrometheusServer } from '../../../src/lab/prometheus/server.js';

export interface GrafanaLab {
  prometheus: PrometheusServer;
  exporterHostPort: string;
  stop(): Promise<void>;
}

export async function startGrafanaLab(): Promise<GrafanaLab> {
  const registry = new Registry();
  new Gauge({ name: 'firebreak_test_db_pool_in_use', help: 'connections in use', registers: [registry] }).set(10);
  new Gauge({ name: 'firebreak_test_db_pool_size', help: 'pool size', registers: [registry] }).set(10);
  const requests = new Counter({ name: 'firebreak_test_http_requests_total', help: 'requests', labelNames: ['route', 'status'], registers: [registry] });
  requests.inc({ route: '/api/workflows/execute', status: '500' }, 15);
  requests.inc({ route: '/api/workflows/execute', status: '200' }, 85);
  requests.inc({ route: '/api/health', status: '200' }, 3);

  const http = createServer((req, res) => {
    if (req.url !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    registry.metrics().then((body) => res.writeHead(200, { 'content-type': registry.contentType }).end(body), () => res.writeHead(500).end());
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const exporterHostPort = `127.0.0.1:${(http.address() as AddressInfo).port}`;
  const stopExporter = (): Promise<void> => new Promise((resolve) => {
    http.closeAllConnections();
    http.close(() => resolve());
  });

  let prometheus: PrometheusServer;
  try {
    prometheus = await startPrometheus({
      jobs: [{ job: 'target', targets: [exporterHostPort] }],
      rules: [
        {
          name: 'PoolExhausted',
          expr: 'firebreak_test_db_pool_in_use >= firebreak_test_db_pool_size',
          labels: { severity: 'critical', service: 'target' },
          annotations: { summary: 'connection pool exhausted' },
        },
        { name: 'QuietRule', expr: 'vector(0) > 1', labels: { severity: 'info' } },
      ],
    });
    await prometheus.waitForTargetsUp({ job: 'target', timeoutMs: 20_000 });
    // The alert fires on the first rule evaluation after the first scrape.
    const deadline = Date.now() + 20_000;
    while (!(await prometheus.alerts()).some((a) => a.labels.alertname === 'PoolExhausted' && a.state === 'firing')) {
      if (Date.now() > deadline) throw new Error('PoolExhausted never fired');
      await new Promise((r) => setTimeout(r, 250));
    }
  } catch (err) {
    await stopExporter();
    throw err;
  }
  return {
    prometheus,
    exporterHostPort,
    stop: async () => {
      await prometheus.stop();
      await stopExporter();
    },
  };
}
