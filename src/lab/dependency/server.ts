import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { Counter, Gauge, Registry } from 'prom-client';
import { formatConfigIssues } from '../target/config.js';
import { DependencyBehaviour, type DependencyState, type StatusPageStatus } from './behaviour.js';
import { dependencyOptionsSchema, failRequestSchema, type DependencyOptionsInput } from './config.js';

export interface StartDependencyOptions extends DependencyOptionsInput {
  readonly port?: number;
  readonly host?: string;
  /** Where brownout start/end lines go; silent when omitted. */
  readonly logger?: Logger;
}

/** A running lab dependency server. */
export interface DependencyServer {
  readonly url: string;
  readonly port: number;
  /** Makes it unavailable for `durationMs` (same as POST /admin/fail). */
  fail(durationMs: number): void;
  state(): DependencyState;
  close(): Promise<void>;
}

const STATUS_PAGE_LEVEL: Readonly<Record<StatusPageStatus, number>> = { operational: 1, major_outage: 4 };

/** GET /status: the provider's status page, shaped like statuspage.io's summary API (page, status, components). */
function statusPage(name: string, status: StatusPageStatus): Record<string, unknown> {
  const down = status === 'major_outage';
  return {
    page: { name },
    status: { indicator: down ? 'major' : 'none', description: down ? 'Major System Outage' : 'All Systems Operational' },
    components: [{ name, status }],
    updated_at: new Date().toISOString(),
  };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function readBody(req: IncomingMessage): Promise<string> {
  let text = '';
  for await (const chunk of req as AsyncIterable<Buffer>) {
    text += chunk.toString('utf8');
    if (text.length > 16 * 1024) throw new Error('body too large');
  }
  return text;
}

/**
 * Starts the lab dependency — a tiny HTTP service with a capacity limit that the target's /api/orders
 * calls — on 127.0.0.1 (port 0 by default). Any POST outside the admin paths is a service request.
 *
 * Admin surface for the drill runner: `POST /admin/fail {"durationMs":N}` injects an outage,
 * `GET /admin/state` returns `DependencyState`, `GET /metrics` (lab_dependency_*, statuspage_component_status),
 * `GET /healthz` (503 while browned out), and the provider's public status page, `GET /status` (statuspage.io's
 * summary shape: major outage only while an injected outage lasts). Options are validated; a bad one throws with the field name.
 */
export async function startDependencyServer(options: StartDependencyOptions = {}): Promise<DependencyServer> {
  const { port = 0, host = '127.0.0.1', logger, ...rest } = options;
  const parsed = dependencyOptionsSchema.safeParse(rest);
  if (!parsed.success) throw new TypeError(`invalid dependency options: ${formatConfigIssues(parsed.error).join('; ')}`);
  const opts = parsed.data;

  const registry = new Registry();
  registry.setDefaultLabels({ service: opts.name });
  const registers = [registry];
  const requests = new Counter({ name: 'lab_dependency_requests_total', help: 'Service requests answered, by status.', labelNames: ['status'], registers });
  const brownouts = new Counter({ name: 'lab_dependency_brownouts_total', help: 'Brownouts started, by cause.', labelNames: ['cause'], registers });

  const behaviour: DependencyBehaviour = new DependencyBehaviour(opts, {
    onAnswered: (status) => requests.inc({ status: String(status) }),
    onBrownoutStart: (cause, until, state) => {
      brownouts.inc({ cause });
      logger?.warn({ cause, untilMs: until, held: state.held, capacity: state.capacity, queueLimit: state.queueLimit }, cause === 'overload' ? 'overloaded: more requests than capacity and queue, browning out' : 'outage injected: holding requests');
    },
    onBrownoutEnd: (failedTogether, durationMs) => logger?.warn({ failedTogether, durationMs }, 'brownout over: failed held requests with 503'),
  });
  new Gauge({ name: 'lab_dependency_up', help: '1 when serving, 0 while browned out.', registers, collect() { this.set(behaviour.state().up ? 1 : 0); } });
  new Gauge({ name: 'lab_dependency_in_flight', help: 'Requests being served, queued or held.', registers, collect() { const s = behaviour.state(); this.set(s.serving + s.queued + s.held); } });
  // The provider's public status page as a metric (statuspage.io exporters use 1 operational .. 4 major outage).
  new Gauge({
    name: 'statuspage_component_status',
    help: 'Status page of the provider: 1 operational, 4 major outage (only outages the provider declares; not client overload).',
    labelNames: ['component'],
    registers,
    collect() {
      this.set({ component: opts.name }, STATUS_PAGE_LEVEL[behaviour.state().statusPage]);
    },
  });
  new Gauge({ name: 'lab_dependency_capacity', help: 'Concurrent requests it can serve.', registers, collect() { this.set(opts.capacity); } });

  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/metrics' && req.method === 'GET') {
      void registry.metrics().then((text) => {
        res.writeHead(200, { 'content-type': registry.contentType });
        res.end(text);
      });
      return;
    }
    if (path === '/healthz' && req.method === 'GET') return send(res, behaviour.state().up ? 200 : 503, behaviour.state());
    if (path === '/admin/state' && req.method === 'GET') return send(res, 200, behaviour.state());
    if (path === '/status' && req.method === 'GET') return send(res, 200, statusPage(opts.name, behaviour.state().statusPage));
    if (path === '/admin/fail' && req.method === 'POST') {
      readBody(req).then(
        (text) => {
          let value: unknown;
          try {
            value = JSON.parse(text || '{}');
          } catch {
            return send(res, 400, { error: 'body is not valid JSON' });
          }
          const body = failRequestSchema.safeParse(value);
          if (!body.success) return send(res, 400, { error: formatConfigIssues(body.error).join('; ') });
          behaviour.fail(body.data.durationMs);
          send(res, 202, behaviour.state());
        },
        (err: unknown) => send(res, 413, { error: (err as Error).message }),
      );
      return;
    }
    // Drain the body without buffering it: the service does not look at payloads.
    req.resume();
    behaviour.handle(res);
  });
  server.keepAliveTimeout = 10_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const boundPort = typeof address === 'object' && address ? address.port : port;
  logger?.info({ port: boundPort, capacity: opts.capacity, queueLimit: opts.queueLimit, serviceMs: opts.serviceMs, brownoutMs: opts.brownoutMs }, 'dependency listening');

  return {
    url: `http://${host}:${boundPort}`,
    port: boundPort,
    fail: (durationMs) => behaviour.fail(durationMs),
    state: () => behaviour.state(),
    close: async () => {
      behaviour.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
