import { Agent, createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { LATENCY_BUCKETS } from '../target/metrics.js';
import type { MaintenanceSwitch } from './types.js';

/** Where the ingress serves its own metrics; a path no service uses, so every other path is proxied. */
export const INGRESS_METRICS_PATH = '/__ingress/metrics';

/** Hop-by-hop headers (RFC 9110 7.6.1): they describe one connection and are not forwarded by proxies. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer']);
const endToEnd = (headers: Record<string, string | string[] | undefined>): Record<string, string | string[]> => {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(headers)) if (v !== undefined && !HOP_BY_HOP.has(k.toLowerCase())) out[k] = v;
  return out;
};

/** Distinct `path` label values kept before the rest are counted as "other" (bounded cardinality). */
const MAX_PATHS = 32;

export interface Ingress extends MaintenanceSwitch {
  /** e.g. http://127.0.0.1:41234 — what the load generator (the users) talk to. */
  readonly url: string;
  readonly port: number;
  /** Routes traffic to `url` (the running release), or nowhere (502) when undefined. */
  setUpstream(url: string | undefined): void;
  upstream(): string | undefined;
  /**
   * How many requests to `path` the ingress answered with `status` so far (what clients got: e.g. tasks
   * accepted with 202). Paths past the label limit are counted under "other".
   */
  responses(path: string, status: number): number;
  close(): Promise<void>;
}

/**
 * Starts the lab's ingress on 127.0.0.1 (port 0): a small reverse proxy in front of the target, the way
 * users reach a service through a load balancer. It gives the drill a user's view of every failure —
 * a crash-looping release answers 502 here even though the service itself has no metrics then — and
 * the maintenance switch: while on, every request gets 503 at once, without reaching the service.
 *
 * Metrics on `INGRESS_METRICS_PATH`: `ingress_http_requests_total{method,path,status}` (status "502"
 * when no upstream answers), `ingress_http_request_duration_seconds{path}` and `ingress_maintenance_mode`.
 */
export async function startIngress(options: { logger?: Logger; upstreamTimeoutMs?: number } = {}): Promise<Ingress> {
  const upstreamTimeoutMs = options.upstreamTimeoutMs ?? 15_000;
  const registry = new Registry();
  const registers = [registry];
  const requests = new Counter({ name: 'ingress_http_requests_total', help: 'Requests through the ingress, by method, path and status.', labelNames: ['method', 'path', 'status'], registers });
  const duration = new Histogram({ name: 'ingress_http_request_duration_seconds', help: 'Latency seen by clients of the ingress.', labelNames: ['path'], buckets: LATENCY_BUCKETS, registers });
  let maintenance = false;
  let upstream: URL | undefined;
  new Gauge({ name: 'ingress_maintenance_mode', help: '1 while maintenance mode answers every request with 503.', registers, collect() { this.set(maintenance ? 1 : 0); } });
  new Gauge({ name: 'ingress_upstream_available', help: '1 when a running release is routed to.', registers, collect() { this.set(upstream ? 1 : 0); } });
  const agent = new Agent({ keepAlive: true, maxSockets: 1_024 });
  const knownPaths = new Set<string>();
  const answered = new Map<string, number>();

  const pathLabel = (path: string): string => {
    if (knownPaths.has(path)) return path;
    if (knownPaths.size >= MAX_PATHS) return 'other';
    knownPaths.add(path);
    return path;
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const started = performance.now();
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (path === INGRESS_METRICS_PATH && req.method === 'GET') {
      void registry.metrics().then((text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text));
      return;
    }
    const label = pathLabel(path);
    const method = req.method ?? 'GET';
    let done = false;
    const finish = (status: number): void => {
      if (done) return;
      done = true;
      requests.inc({ method, path: label, status: String(status) });
      const key = `${label} ${status}`;
      answered.set(key, (answered.get(key) ?? 0) + 1);
      duration.observe({ path: label }, (performance.now() - started) / 1000);
    };
    const reply = (status: number, body: Record<string, unknown>, headers: Record<string, string> = {}): void => {
      req.resume();
      finish(status);
      if (res.destroyed || res.writableEnded) return;
      if (res.headersSent) return void res.destroy();
      const text = JSON.stringify(body);
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers }).end(text);
    };
    if (maintenance) return reply(503, { error: 'service is in maintenance mode' }, { 'retry-after': '30' });
    const target = upstream;
    if (!target) return reply(502, { error: 'no healthy upstream' });

    const proxied = request(
      { protocol: target.protocol, hostname: target.hostname, port: target.port, method, path: req.url, headers: { ...endToEnd(req.headers), host: target.host, 'x-forwarded-for': req.socket.remoteAddress ?? '' }, agent, timeout: upstreamTimeoutMs },
      (upstreamRes) => {
        res.writeHead(upstreamRes.statusCode ?? 502, endToEnd(upstreamRes.headers));
        upstreamRes.pipe(res);
        upstreamRes.on('end', () => finish(upstreamRes.statusCode ?? 502));
        upstreamRes.on('error', () => {
          finish(502);
          res.destroy();
        });
      },
    );
    proxied.on('timeout', () => proxied.destroy(new Error('upstream timeout')));
    proxied.on('error', (err) => {
      const timedOut = err.message === 'upstream timeout';
      reply(timedOut ? 504 : 502, { error: timedOut ? 'upstream timed out' : 'upstream unavailable' });
    });
    // The client gave up: stop waiting on the service for it, as a real proxy does (nginx logs a 499).
    res.on('close', () => {
      if (res.writableFinished) return;
      finish(499);
      proxied.destroy();
    });
    req.pipe(proxied);
  });
  server.keepAliveTimeout = 10_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  let closed: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    setUpstream(url) {
      upstream = url === undefined ? undefined : new URL(url);
      options.logger?.info({ upstream: url ?? null }, 'ingress upstream changed');
    },
    upstream: () => upstream?.origin,
    responses: (path, status) => answered.get(`${knownPaths.has(path) ? path : 'other'} ${status}`) ?? 0,
    setMaintenance(enabled) {
      maintenance = enabled;
      options.logger?.info({ maintenance: enabled }, 'ingress maintenance mode changed');
    },
    maintenance: () => maintenance,
    close() {
      closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        agent.destroy();
      });
      return closed;
    },
  };
}
