import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { checkBind } from '../mcp-server/serve.js';
import type { AlertIntake } from '../workflows/alert-intake.js';
import type { IncidentService } from '../workflows/incident.js';
import { Gate, HttpError, logRefusal, sendError, sendJson } from './http.js';
import type { ServeMetrics } from './metrics.js';
import { decide, listIncidents, receiveAlerts, showIncident, type Answer, type RouteDeps } from './routes.js';

/** The port `firebreak serve` listens on unless the config or --port says otherwise. */
export const DEFAULT_SERVE_PORT = 7346;

export interface AlertServerOptions {
  /** Interface to bind; default 127.0.0.1. Anything but loopback requires `token`. */
  host?: string;
  /** 0 (default here; the CLI's default is 7346) picks a free port: read it back from `url`. */
  port?: number;
  /** Bearer token every request must carry (at least 16 characters). */
  token?: string;
  /** Where the token comes from, for error messages (`--token-file`, `FIREBREAK_TOKEN`). */
  tokenSource?: string;
  /** Host headers accepted besides this server's own address, when no token is set. */
  allowedHosts?: string[];
  /** Largest request body; default 1 MiB. */
  maxBodyBytes?: number;
  /** Retry-After of a 503 (queue full); default 30 s. */
  retryAfterSeconds?: number;
  logger?: Logger;
}

export interface AlertServerDeps {
  service: IncidentService & { postmortemPath(id: string): string | undefined };
  intake: AlertIntake;
  metrics: ServeMetrics;
  /** What /healthz reports besides `ok`. */
  health?: () => Promise<Record<string, unknown>>;
}

export interface AlertServerHandle {
  /** e.g. http://127.0.0.1:7346 */
  readonly url: string;
  readonly port: number;
  /** Stops listening and ends open connections; the incident service keeps running (the caller closes it). */
  close(): Promise<void>;
}

type Handler = (req: IncomingMessage, url: URL, params: string[]) => Promise<Answer>;
interface Route { pattern: RegExp; methods: Record<string, Handler> }

/**
 * Serves `firebreak serve`'s HTTP API on node:http:
 * - POST /api/v1/alerts/alertmanager (Alertmanager webhook v4), /api/v1/alerts/grafana (Grafana webhook
 *   contact point), /api/v1/alerts (any alert `firebreak respond --alert` accepts): 202 with what happened;
 * - GET /api/v1/incidents, GET /api/v1/incidents/ID, POST /api/v1/incidents/ID/approve;
 * - GET /healthz, GET /metrics (Prometheus text format).
 *
 * When to use: `firebreak serve`; tests and embedders that already have an incident service.
 * What it does: checks the bind policy (a non-loopback bind needs a token), then answers each request after
 * the gate (401 without the token when one is set; Host/Origin checks otherwise): 404 for unknown paths, 405
 * (with Allow) for a wrong method, 400/413 naming what is wrong with a body, 503 + Retry-After when the
 * incident queue is full. A handler's unexpected error is a 500 and is logged; the server stays up.
 * Gotchas: it does not own the incident service: close() stops the HTTP side only.
 */
export async function startAlertServer(deps: AlertServerDeps, opts: AlertServerOptions = {}): Promise<AlertServerHandle> {
  const host = opts.host ?? '127.0.0.1';
  checkBind(host, opts.token, opts.tokenSource ?? 'FIREBREAK_TOKEN');
  const gate = new Gate(opts.token, opts.allowedHosts);
  const rd: RouteDeps = {
    service: deps.service, intake: deps.intake, metrics: deps.metrics,
    maxBodyBytes: opts.maxBodyBytes ?? 1024 * 1024, retryAfterSeconds: opts.retryAfterSeconds ?? 30,
    ...(opts.logger ? { logger: opts.logger } : {}),
  };
  const routes: Route[] = [
    { pattern: /^\/api\/v1\/alerts\/alertmanager$/, methods: { POST: (req) => receiveAlerts(req, rd, 'alertmanager') } },
    { pattern: /^\/api\/v1\/alerts\/grafana$/, methods: { POST: (req) => receiveAlerts(req, rd, 'grafana') } },
    { pattern: /^\/api\/v1\/alerts$/, methods: { POST: (req) => receiveAlerts(req, rd, 'any') } },
    { pattern: /^\/api\/v1\/incidents$/, methods: { GET: (_req, url) => listIncidents(url, rd) } },
    { pattern: /^\/api\/v1\/incidents\/([^/]+)$/, methods: { GET: (_req, _url, [id]) => showIncident(id!, rd) } },
    { pattern: /^\/api\/v1\/incidents\/([^/]+)\/approve$/, methods: { POST: (req, _url, [id]) => decide(req, id!, rd) } },
    { pattern: /^\/healthz$/, methods: { GET: async () => ({ status: 200, body: { status: 'ok', ...(await deps.health?.()) } }) } },
  ];

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://firebreak.invalid');
    gate.check(req);
    if (url.pathname === '/metrics') {
      if (req.method !== 'GET') throw new HttpError(405, 'use GET', { allow: 'GET' });
      const text = await deps.metrics.registry.metrics();
      res.writeHead(200, { 'content-type': deps.metrics.registry.contentType });
      res.end(text);
      return;
    }
    for (const route of routes) {
      const match = route.pattern.exec(url.pathname);
      if (!match) continue;
      const handler = route.methods[req.method ?? ''];
      if (!handler) throw new HttpError(405, `use ${Object.keys(route.methods).join(' or ')} on ${url.pathname}`, { allow: Object.keys(route.methods).join(', ') });
      const params = match.slice(1).map((p) => {
        try {
          return decodeURIComponent(p);
        } catch {
          throw new HttpError(400, `malformed percent-encoding in ${url.pathname}`);
        }
      });
      const answer = await handler(req, url, params);
      sendJson(res, answer.status, answer.body);
      return;
    }
    throw new HttpError(404, `no such endpoint: ${req.method} ${url.pathname}`);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      const httpErr = err instanceof HttpError ? err : new HttpError(500, 'internal error (logged)');
      if (!(err instanceof HttpError)) opts.logger?.error({ err, method: req.method, path: (req.url ?? '/').split('?')[0] }, 'request failed');
      else logRefusal(opts.logger, req, httpErr);
      // The body of a refused request is drained so the answer can still be written on this connection.
      req.resume();
      if (!res.headersSent) sendError(res, httpErr);
      else res.end();
    });
  });
  server.requestTimeout = 60_000;
  server.headersTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  gate.bound(host, port);
  const hostPart = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${hostPart}:${port}`,
    port,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
