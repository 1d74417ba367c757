import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { ServiceConfig } from './config.js';
import type { DependencyClient } from './dependency-client.js';
import { sampleDurationMs } from './distribution.js';
import { DependencyUnavailableError, PoolAcquireTimeoutError, PoolWaitQueueFullError, TaskQueueFullError } from './errors.js';
import { BadRequestError, readJsonBody, sendJson, stringField } from './http.js';
import type { ServiceMetrics } from './metrics.js';
import type { ConnectionPool } from './pool.js';
import type { SagaProcessor } from './sagas/processor.js';
import type { SagaStore } from './sagas/store.js';
import type { TaskStore } from './tasks/store.js';
import type { WorkerPool } from './workers.js';

/** Everything the handlers touch; built once by createTargetService. */
export interface RouteContext {
  readonly config: ServiceConfig;
  readonly logger: Logger;
  readonly metrics: ServiceMetrics;
  readonly pool: ConnectionPool;
  readonly workers: WorkerPool;
  readonly tasks: TaskStore;
  readonly dependency: DependencyClient | undefined;
  readonly sagas: SagaStore;
  readonly processor: SagaProcessor;
  readonly startedAt: number;
}

interface Reply {
  readonly status: number;
  readonly body: unknown;
}

type Handler = (ctx: RouteContext, req: IncomingMessage, log: Logger) => Promise<Reply>;

/** Requests waiting at least this long for a connection get a warning line before they ever fail. */
const SLOW_ACQUIRE_MS = 1_000;

const executeWorkflow: Handler = async (ctx, _req, log) => {
  const { pool, metrics } = ctx;
  let lease;
  try {
    lease = await pool.acquire();
  } catch (err) {
    if (err instanceof PoolAcquireTimeoutError) {
      metrics.acquireTimeouts.inc();
      metrics.acquireDuration.observe(err.waitedMs / 1000);
      log.error({ err, pool: err.pool, waitedMs: Math.round(err.waitedMs) }, 'pool acquire timeout: database connection timeout');
      return { status: 500, body: { error: 'database connection timeout' } };
    }
    if (err instanceof PoolWaitQueueFullError) {
      metrics.queueFull.inc();
      log.error({ err, pool: err.pool }, 'pool wait queue full: database connection unavailable');
      return { status: 500, body: { error: 'database connection unavailable' } };
    }
    throw err;
  }
  metrics.acquireDuration.observe(lease.waitedMs / 1000);
  if (lease.waitedMs >= SLOW_ACQUIRE_MS) log.warn({ waitedMs: Math.round(lease.waitedMs), pool: pool.stats() }, 'slow connection pool acquire');
  const queryMs = sampleDurationMs(ctx.config.pool.queryLatency);
  const queryStarted = performance.now();
  try {
    await sleep(queryMs);
  } finally {
    lease.release();
    metrics.queryDuration.observe((performance.now() - queryStarted) / 1000);
  }
  return { status: 200, body: { status: 'ok', workflowId: randomUUID(), dbWaitMs: Math.round(lease.waitedMs), queryMs: Math.round(queryMs) } };
};

const enqueueTask: Handler = async (ctx, req, log) => {
  const kind = stringField(await readJsonBody(req), 'kind', 'default');
  try {
    const task = ctx.workers.enqueue(kind);
    ctx.metrics.tasksEnqueued.inc();
    return { status: 202, body: { taskId: task.id, kind } };
  } catch (err) {
    if (!(err instanceof TaskQueueFullError)) throw err;
    // The error carries the depth and its limit: no store queries on the overload path.
    log.warn({ err }, 'task queue full: rejecting task');
    return { status: 503, body: { error: 'task queue full' } };
  }
};

const taskSummary: Handler = async (ctx) => ({ status: 200, body: { counts: ctx.tasks.countsByStatus() } });

const placeOrder: Handler = async (ctx, req, log) => {
  const body = await readJsonBody(req);
  const orderId = stringField(body, 'orderId', randomUUID());
  if (!ctx.dependency || !ctx.config.dependency) return { status: 501, body: { error: 'no dependency configured for orders' } };
  try {
    const res = await ctx.dependency.call(JSON.stringify({ orderId }));
    if (res.status >= 400) return { status: 422, body: { error: `${ctx.config.dependency.name} rejected the order`, upstreamStatus: res.status } };
    return { status: 200, body: { orderId, attempts: res.attempts } };
  } catch (err) {
    if (!(err instanceof DependencyUnavailableError)) throw err;
    log.error({ err, dependency: err.dependency, attempts: err.attempts, lastStatus: err.last.status, lastReason: err.last.reason }, 'dependency call failed after retries');
    return { status: 502, body: { error: `${err.dependency} unavailable`, attempts: err.attempts } };
  }
};

const createSaga: Handler = async (ctx, req) => {
  const name = stringField(await readJsonBody(req), 'name', 'provision-tenant');
  const saga = ctx.sagas.create(name);
  return { status: 201, body: { id: saga.id, name: saga.saga_name, status: saga.status } };
};

const sagaSummary: Handler = async (ctx) => ({ status: 200, body: { counts: ctx.sagas.countsByStatus(), activeSagas: ctx.processor.activeCount() } });

const health: Handler = async (ctx) => {
  const { service } = ctx.config;
  return {
    status: 200,
    body: {
      status: 'ok',
      service: service.name,
      version: service.version,
      revision: service.revision,
      uptimeSeconds: Math.round((Date.now() - ctx.startedAt) / 1000),
      pool: ctx.pool.stats(),
      workers: ctx.workers.stats(),
      saga_coordinator: { active_sagas: ctx.processor.activeCount(), counts: ctx.sagas.countsByStatus() },
    },
  };
};

/** Route table: path -> method -> handler. The path is also the `endpoint` metric label. */
const ROUTES: Readonly<Record<string, Readonly<Record<string, Handler>>>> = {
  '/api/workflows/execute': { GET: executeWorkflow, POST: executeWorkflow },
  '/api/tasks': { POST: enqueueTask, GET: taskSummary },
  '/api/orders': { POST: placeOrder },
  '/api/sagas': { POST: createSaga, GET: sagaSummary },
  '/healthz': { GET: health },
};

/** Endpoints left out of the access log: scrapes and probes would drown the interesting lines. */
const QUIET = new Set(['/metrics', '/healthz']);

/**
 * Builds the node:http request listener: routing, metrics for every request (`endpoint` is the route or
 * "other", keeping label cardinality bounded), an access log line, and JSON error bodies.
 */
export function createRequestListener(ctx: RouteContext): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const started = performance.now();
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const method = req.method ?? 'GET';
    const reqId = (typeof req.headers['x-request-id'] === 'string' && req.headers['x-request-id'].slice(0, 64)) || randomUUID();
    const routes = ROUTES[path];
    const endpoint = routes || path === '/metrics' ? path : 'other';
    const log = ctx.logger.child({ reqId, method, endpoint });

    const finish = (status: number, body: unknown): void => {
      const seconds = (performance.now() - started) / 1000;
      ctx.metrics.httpRequests.inc({ method, endpoint, status: String(status) });
      ctx.metrics.httpDuration.observe({ method, endpoint }, seconds);
      sendJson(res, status, body);
      if (ctx.config.observability.accessLog && !QUIET.has(endpoint)) {
        log[status >= 500 ? 'warn' : 'info']({ status, durationMs: Math.round(seconds * 1000) }, 'request completed');
      }
    };

    if (path === '/metrics' && method === 'GET') {
      ctx.metrics.registry.metrics().then(
        (text) => {
          res.writeHead(200, { 'content-type': ctx.metrics.registry.contentType });
          res.end(text);
        },
        (err: unknown) => finish(500, { error: `metrics collection failed: ${(err as Error).message}` }),
      );
      return;
    }
    const handler = routes?.[method];
    if (!handler) {
      finish(routes ? 405 : 404, { error: routes ? `method ${method} not allowed` : `no route for ${path}` });
      return;
    }
    handler(ctx, req, log).then(
      (reply) => finish(reply.status, reply.body),
      (err: unknown) => {
        if (err instanceof BadRequestError) {
          finish(err.status, { error: err.message });
          return;
        }
        log.error({ err }, 'unhandled error in request handler');
        finish(500, { error: 'internal error' });
      },
    );
  };
}
