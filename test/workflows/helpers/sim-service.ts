// The service under repair in the workflow tests: a small HTTP process (in the test process) that exports the
// lab target's metrics and writes its log lines, with behaviour driven by its deployed service.config.json,
// the way src/lab/target's is — a pool of N connections serves ~N/0.19 req/s; past that ~15% of requests
// time out waiting for a connection (p95 ~2.5 s) and it logs "pool acquire timeout"; a release that requires
// something the environment lacks does not start. Real Prometheus scrapes it; the real deployer deploys to it
// (the deploy hook POSTs the release's config). The full lab (real target + load) is used in lab.test.ts.
import { appendFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

export interface SimConfig {
  pool?: { size?: number; acquireTimeoutMs?: number | null; maxWaiters?: number | null };
  startup?: { requires?: string[] };
  /** A release's new code path: `v2` fails a third of the requests it renders (a bug no runbook names). */
  service?: { renderer?: string };
}

export type SimMode = 'healthy' | 'exhausted' | 'down' | 'maintenance';

const QUERY_SECONDS = 0.19;

export class SimService {
  readonly registry = new Registry();
  readonly name: string;
  url = '';
  config: SimConfig = {};
  /** Requests per second = 20 x load. */
  load = 1;
  #maintenance = false;
  configsApplied = 0;
  /** Attacker-controlled text that ends up in every error line (e.g. a request header echoed in the error). */
  errorDetail: string | undefined;
  /** The next N config pushes fail (the deploy hook exits 1): a transient deploy failure. */
  failNextDeploys = 0;
  /** Share of requests failing for a reason outside the service (nothing in its config or metrics explains it). */
  unexplainedErrors = 0;
  /** The database's own connection limit: a pool configured larger still gets no more than this many. */
  databaseMaxConnections = Number.POSITIVE_INFINITY;
  #server: Server;
  #timer: NodeJS.Timeout | undefined;
  #carry = 0;
  readonly #requests: Counter<string>;
  readonly #duration: Histogram<string>;
  readonly #active: Gauge<string>;
  readonly #max: Gauge<string>;
  readonly #timeouts: Counter<string>;
  readonly #acquires: Histogram<string>;
  readonly #queries: Histogram<string>;

  constructor(name: string, readonly logFile: string, readonly provides: readonly string[]) {
    this.name = name;
    const registers = [this.registry];
    this.#requests = new Counter({ name: 'http_requests_total', help: 'requests', labelNames: ['service', 'method', 'endpoint', 'status'], registers });
    this.#duration = new Histogram({ name: 'http_request_duration_seconds', help: 'latency', labelNames: ['service', 'method', 'endpoint'], buckets: [0.1, 0.25, 0.3, 0.5, 1, 2.5, 5], registers });
    this.#active = new Gauge({ name: 'database_connection_pool_active', help: 'in use', labelNames: ['service'], registers });
    this.#max = new Gauge({ name: 'database_connection_pool_max', help: 'size', labelNames: ['service'], registers });
    this.#timeouts = new Counter({ name: 'database_connection_pool_acquire_timeouts_total', help: 'timeouts', labelNames: ['service'], registers });
    this.#acquires = new Histogram({ name: 'database_connection_pool_acquire_duration_seconds', help: 'acquire wait', labelNames: ['service'], buckets: [0.01, 0.1, 1, 2.5], registers });
    this.#queries = new Histogram({ name: 'database_query_duration_seconds', help: 'connection held', labelNames: ['service'], buckets: [0.1, 0.25, 0.5, 1], registers });
    new Gauge({ name: 'build_info', help: 'build', labelNames: ['service', 'version', 'revision'], registers }).set({ service: name, version: '1.4.2', revision: 'sim' }, 1);
    this.#server = createServer((req, res) => void this.#handle(req, res));
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    // Ticks advance by the time that really passed: a busy test process delays timers, and the exported rates
    // must still be what the load says (Little's law reads them).
    let last = performance.now();
    this.#timer = setInterval(() => {
      const now = performance.now();
      this.#tick((now - last) / 1000);
      last = now;
    }, 100);
  }

  get hostPort(): string {
    return new URL(this.url).host;
  }

  get poolSize(): number {
    return this.config.pool?.size ?? 10;
  }

  mode(): SimMode {
    if (this.#maintenance) return 'maintenance';
    if ((this.config.startup?.requires ?? []).some((r) => !this.provides.includes(r))) return 'down';
    return 20 * this.load > Math.min(this.poolSize, this.databaseMaxConnections) / QUERY_SECONDS ? 'exhausted' : 'healthy';
  }

  /** What the deploy hook does: the release's config becomes the running one. */
  apply(config: SimConfig): void {
    this.config = config;
    this.configsApplied++;
  }

  /** Appends a raw line to the service log (e.g. a prompt injection in an error message). */
  logLine(fields: Record<string, unknown>): void {
    appendFileSync(this.logFile, JSON.stringify({ level: 'error', time: new Date().toISOString(), service: this.name, ...fields }) + '\n');
  }

  /** The deployer's MaintenanceSwitch: while on, the (virtual) ingress sheds every request. */
  setMaintenance(enabled: boolean): void {
    this.#maintenance = enabled;
  }

  maintenance(): boolean {
    return this.#maintenance;
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #tick(seconds: number): void {
    const mode = this.mode();
    const service = this.name;
    this.#max.set({ service }, this.poolSize);
    if (mode === 'down') {
      this.#active.set({ service }, 0);
      if (Math.random() < seconds) this.logLine({ level: 'fatal', msg: `startup dependency missing: "${(this.config.startup?.requires ?? []).find((r) => !this.provides.includes(r))}" is not provided by this environment (provided: ${this.provides.join(', ')})` });
      return;
    }
    if (mode === 'maintenance') return;
    this.#carry += 20 * this.load * seconds;
    const n = Math.floor(this.#carry);
    this.#carry -= n;
    const labels = { service, method: 'GET', endpoint: '/api/workflows/execute' };
    if (mode === 'healthy') {
      this.#active.set({ service }, Math.min(this.poolSize, Math.ceil(20 * this.load * QUERY_SECONDS)));
      const failing = this.unexplainedErrors + (this.config.service?.renderer === 'v2' ? 1 / 3 : 0);
      for (let i = 0; i < n; i++) {
        if (Math.random() < failing) {
          this.#requests.inc({ ...labels, status: '500' });
          this.#duration.observe(labels, 0.05);
          if (i === 0) this.logLine({ endpoint: labels.endpoint, msg: this.config.service?.renderer === 'v2' ? 'render failed: template "workflow-summary" not found' : 'upstream returned an unexpected response' });
          continue;
        }
        this.#requests.inc({ ...labels, status: '200' });
        this.#duration.observe(labels, 0.15 + Math.random() * 0.14);
        this.#acquires.observe({ service }, 0);
        this.#queries.observe({ service }, QUERY_SECONDS);
      }
      return;
    }
    this.#active.set({ service }, this.poolSize);
    let errors = 0;
    for (let i = 0; i < n; i++) {
      const failed = Math.random() < 0.15;
      if (failed) errors++;
      this.#requests.inc({ ...labels, status: failed ? '500' : '200' });
      this.#duration.observe(labels, failed ? 2.4 : 1 + Math.random() * 1.5);
      this.#acquires.observe({ service }, failed ? 2.4 : 1);
      if (!failed) this.#queries.observe({ service }, QUERY_SECONDS);
    }
    this.#timeouts.inc({ service }, errors);
    if (errors > 0) {
      const pool = { size: this.poolSize, inUse: this.poolSize, waiters: Math.round(20 * this.load), acquireTimeoutMs: this.config.pool?.acquireTimeoutMs ?? 2400 };
      this.logLine({ ...(this.errorDetail ? { detail: this.errorDetail } : {}), endpoint: labels.endpoint, err: { type: 'PoolAcquireTimeoutError', message: `timed out after 2400 ms waiting for a database connection (pool ${pool.size}/${pool.size} in use)` }, pool, waitedMs: 2400, msg: 'pool acquire timeout: database connection timeout' });
    }
  }

  async #handle(req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse): Promise<void> {
    const down = this.mode() === 'down';
    if (req.url === '/metrics') {
      if (down) return void res.writeHead(503).end('down');
      const body = await this.registry.metrics();
      return void res.writeHead(200, { 'content-type': this.registry.contentType }).end(body);
    }
    if (req.url === '/healthz') return void res.writeHead(down ? 503 : 200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: down ? 'down' : 'ok', pool: { size: this.poolSize } }));
    if (req.url === '/admin/config' && req.method === 'POST') {
      if (this.failNextDeploys > 0) {
        this.failNextDeploys--;
        return void res.writeHead(500).end('config push failed');
      }
      let body = '';
      for await (const chunk of req) body += String(chunk);
      this.apply(JSON.parse(body) as SimConfig);
      return void res.writeHead(204).end();
    }
    res.writeHead(404).end();
  }
}
