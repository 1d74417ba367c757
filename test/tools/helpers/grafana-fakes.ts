// Local servers speaking the wire formats of Loki (/loki/api/v1/...) and Grafana (/api/datasources, the
// datasource proxy, /api/annotations, Grafana-managed rules), for backends that cannot be installed here.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Recorded {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: string;
}

export interface FakeServer {
  url: string;
  requests: Recorded[];
  close(): Promise<void>;
}

type Handler = (req: Recorded, res: ServerResponse) => Promise<void> | void;

async function serve(handler: Handler): Promise<FakeServer> {
  const requests: Recorded[] = [];
  const http = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const recorded: Recorded = { method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      requests.push(recorded);
      Promise.resolve(handler(recorded, res)).catch((err: unknown) => res.writeHead(500).end(String(err)));
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(http.address() as AddressInfo).port}`,
    requests,
    close: () => new Promise((resolve) => {
      http.closeAllConnections();
      http.close(() => resolve());
    }),
  };
}

const json = (res: ServerResponse, status: number, body: unknown): void => {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
};

export const LOKI_T0_NS = 1_763_110_800_000_000_000n; // 2025-11-14T09:00:00Z

/** Two streams (api, worker) with interleaved timestamps; count_over_time answers a matrix. */
export function startFakeLoki(): Promise<FakeServer> {
  const ns = (offsetMs: number): string => String(LOKI_T0_NS + BigInt(offsetMs) * 1_000_000n);
  return serve((req, res) => {
    if (req.path === '/loki/api/v1/query_range') {
      const query = req.query.get('query') ?? '';
      if (query.includes('BAD')) {
        res.writeHead(400, { 'content-type': 'text/plain' }).end('parse error at line 1, col 1: syntax error: unexpected IDENTIFIER');
        return;
      }
      if (query.startsWith('count_over_time')) {
        json(res, 200, { status: 'success', data: { resultType: 'matrix', result: [{ metric: { job: 'api' }, values: [[1763110800, '3'], [1763110860, '5']] }] } });
        return;
      }
      json(res, 200, {
        status: 'success',
        data: {
          resultType: 'streams',
          result: [
            { stream: { job: 'api' }, values: [[ns(3_000), '{"level":"error","msg":"pool exhausted"}'], [ns(1_000), '{"level":"info","msg":"ok"}']] },
            { stream: { job: 'worker' }, values: [[ns(2_000), '{"level":"warn","msg":"retry storm"}']] },
          ],
        },
      });
      return;
    }
    if (req.path === '/loki/api/v1/labels') return json(res, 200, { status: 'success', data: ['job', 'level'] });
    if (req.path === '/loki/api/v1/label/job/values') return json(res, 200, { status: 'success', data: ['api', 'worker'] });
    json(res, 404, { status: 'error', error: `no route ${req.path}` });
  });
}

export interface FakeGrafanaOptions {
  token: string;
  upstreams: Record<string, string>;
}

export const GRAFANA_DATASOURCES = [
  { id: 1, uid: 'prom-main', orgId: 1, name: 'Prometheus', type: 'prometheus', url: 'http://prometheus:9090', access: 'proxy', isDefault: true },
  { id: 2, uid: 'loki-main', orgId: 1, name: 'Loki', type: 'loki', url: 'http://loki:3100', access: 'proxy', isDefault: false },
  { id: 3, uid: 'tempo', orgId: 1, name: 'Tempo', type: 'tempo', url: 'http://tempo:3200', access: 'proxy', isDefault: false },
  { id: 4, uid: 'broken', orgId: 1, name: 'Broken', type: 'prometheus', url: 'http://gone:9090', access: 'proxy', isDefault: false },
];

/** A Grafana: bearer auth, datasources, a real datasource proxy to `upstreams`, annotations, managed rules. */
export function startFakeGrafana(opts: FakeGrafanaOptions): Promise<FakeServer & { annotations: Record<string, unknown>[] }> {
  const annotations: Record<string, unknown>[] = [];
  const server = serve(async (req, res) => {
    if (req.headers.authorization !== `Bearer ${opts.token}`) return json(res, 401, { message: 'Unauthorized' });
    if (req.path === '/api/datasources') return json(res, 200, GRAFANA_DATASOURCES);
    const proxy = /^\/api\/datasources\/proxy\/uid\/([^/]+)(\/.*)$/.exec(req.path);
    if (proxy) {
      const [, uid, rest] = proxy;
      if (uid === 'broken') return json(res, 502, { message: `upstream failed; request carried ${req.headers.authorization}` });
      const upstream = opts.upstreams[uid ?? ''];
      if (!upstream) return json(res, 404, { message: 'Data source not found' });
      const answer = await fetch(`${upstream}${rest}?${req.query.toString()}`, { method: req.method });
      res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' }).end(await answer.text());
      return;
    }
    if (req.path === '/api/annotations' && req.method === 'POST') {
      const body = JSON.parse(req.body) as Record<string, unknown>;
      const id = annotations.length + 1;
      annotations.push({ id, ...body });
      return json(res, 200, { id, message: 'Annotation added' });
    }
    if (req.path === '/api/annotations') {
      const tags = req.query.getAll('tags');
      return json(res, 200, annotations.filter((a) => tags.every((t) => (a.tags as string[] | undefined)?.includes(t))).slice(0, Number(req.query.get('limit') ?? 100)));
    }
    if (req.path === '/api/prometheus/grafana/api/v1/rules') {
      return json(res, 200, {
        status: 'success',
        data: {
          groups: [{
            name: 'checkout-slo', file: 'Checkout', folderUid: 'f-checkout',
            rules: [
              {
                uid: 'gr-err-rate', name: 'HighErrorRate', query: '[{"refId":"A","expr":"error_rate > 0.05"}]', type: 'alerting', state: 'firing',
                health: 'ok', labels: { severity: 'critical' }, annotations: { summary: '15% of requests fail' }, lastEvaluation: '2025-11-14T09:05:00Z',
                alerts: [{ labels: { alertname: 'HighErrorRate' }, annotations: {}, state: 'Alerting', activeAt: '2025-11-14T09:00:00Z', value: '0.15' }],
              },
              { uid: 'gr-latency', name: 'HighLatency', query: '', type: 'alerting', state: 'inactive', health: 'ok', labels: {}, annotations: {}, alerts: [] },
            ],
          }],
        },
      });
    }
    json(res, 404, { message: `no route ${req.path}` });
  });
  return server.then((s) => ({ ...s, annotations }));
}
