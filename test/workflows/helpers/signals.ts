// Realistic tool results for playbook tests, in the exact shapes the grafana, github, sandbox and deploy
// servers return. The pool-exhaustion values were captured from the lab (src/lab/target under 3x load);
// the other symptoms follow the target's metrics and log messages (src/lab/target/README.md).
import { builtinToolCatalog } from '../../../src/personas/builtin/tool-catalog.js';
import type { ToolResult, ToolSet } from '../../../src/tools/types.js';

/** How each query of the observability runbook starts, by the name it is saved under. */
const QUERY_PREFIXES: Record<string, string> = {
  errorRatio: '(sum(rate(http_requests_total',
  requestRate: 'sum(rate(http_requests_total',
  worstEndpoint: 'topk(1',
  p95ms: '1000 * histogram_quantile',
  poolUsage: 'max(database_connection_pool_active',
  poolMax: 'max(database_connection_pool_max',
  poolTimeouts: 'sum(increase(database_connection_pool_acquire_timeouts_total',
  queueDepth: 'max(task_queue_depth',
  queueGrowth: 'max(deriv(task_queue_depth',
  workersBusy: 'max(task_workers_busy',
  depRetries: 'sum by (dependency) (increase(dependency_client_retries_total',
  depFailureRatio: 'sum(increase(dependency_client_requests_total',
  sagaOldestRunning: 'max(saga_oldest_running_age_seconds',
  sagasRunning: 'sum(saga_executions',
  sagasRecovered: 'sum(increase(saga_recovered_total',
};

export interface Signals {
  /** Query name (as saved by the runbook: errorRatio, poolUsage, ...) -> sample value; absent = no data. */
  metrics: Record<string, string | { value: string; metric: Record<string, string> }>;
  /** Line filter text (`|= "..."`) -> log lines (newest first). */
  logs: Record<string, Record<string, unknown>[]>;
  /** Exact tool name -> result (for github, sandbox, deploy). */
  tools?: Record<string, ToolResult | ((args: Record<string, unknown>) => ToolResult)>;
}

const ok = (value: Record<string, unknown>): ToolResult => ({ content: [{ type: 'text', text: JSON.stringify(value) }], structuredContent: value });

// The catalog's specs are representative, not complete (the real servers also take e.g. `states` for
// alerting_manage_rules and `reason` for the deploy tools): accept extra arguments, as those servers do.
const SPECS = builtinToolCatalog.map((t) => ({ ...t, inputSchema: { ...t.inputSchema, additionalProperties: true } }));

/** A ToolSet over the built-in tool specs that answers from `signals`; records every call. */
export function signalTools(signals: Signals): ToolSet & { calls: { name: string; args: Record<string, unknown> }[] } {
  const calls: { name: string; args: Record<string, unknown> }[] = [];
  return {
    calls,
    list: () => SPECS,
    async call(name, args) {
      calls.push({ name, args });
      const fixed = signals.tools?.[name];
      if (fixed) return typeof fixed === 'function' ? fixed(args) : fixed;
      if (name === 'grafana.query_prometheus') {
        const expr = String(args.expr);
        const key = Object.keys(QUERY_PREFIXES).find((k) => expr.startsWith(QUERY_PREFIXES[k]!));
        const v = key === undefined ? undefined : signals.metrics[key];
        const sample = v === undefined ? [] : [{ metric: typeof v === 'string' ? {} : v.metric, value: [1795408612.1, typeof v === 'string' ? v : v.value] }];
        return ok({ resultType: 'vector', result: sample, queryType: 'instant', time: '2026-11-23T04:36:52.136Z' });
      }
      if (name === 'grafana.query_loki_logs') {
        const filter = /\|= "([^"]+)"/.exec(String(args.logql))?.[1];
        const lines = (filter ? signals.logs[filter] : Object.values(signals.logs).flat().filter((l) => l.level === 'error' || l.level === 'fatal')) ?? [];
        const limit = Number(args.limit ?? 10);
        const data = lines.slice(0, limit).map((l, i) => ({ timestamp: String(1795408669277000000n - BigInt(i) * 1000000n), line: JSON.stringify(l), labels: { job: 'workflows-api' } }));
        return ok({ data, resultType: 'streams', metadata: { linesReturned: data.length, maxLinesAllowed: limit, resultsTruncated: false } });
      }
      if (name === 'grafana.alerting_manage_rules') return ok({ source: 'prometheus', total: 1, firing: 1, pending: 0, rules: [{ uid: 'lab:APIErrorRateHigh', title: 'APIErrorRateHigh', state: 'firing' }] });
      return { content: [{ type: 'text', text: `no fixture for ${name}` }], isError: true };
    },
  };
}

const base = { time: '2026-11-23T04:37:49.277Z', pid: 13639, hostname: 'vm', service: 'workflows-api', version: '1.4.2' };

/** The lab's pool-exhaustion incident as the tools reported it (3x load, pool of 10). */
export const POOL_EXHAUSTION: Signals = {
  metrics: {
    errorRatio: '0.10043372397949119',
    worstEndpoint: { value: '5.306427380952381', metric: { endpoint: '/api/workflows/execute' } },
    requestRate: '52.63319404761904',
    p95ms: '2945.9999999999995',
    poolUsage: '1',
    poolMax: '10',
    poolTimeouts: '210.12',
    queueDepth: '0',
    queueGrowth: '0',
    workersBusy: '0',
    sagaOldestRunning: '0',
    sagasRunning: '0',
    sagasRecovered: '0',
  },
  logs: {
    'pool acquire timeout': [{
      level: 'error', ...base, method: 'GET', endpoint: '/api/workflows/execute',
      err: { type: 'PoolAcquireTimeoutError', message: 'timed out after 2400 ms waiting for a database connection (pool 10/10 in use, 141 waiting)' },
      waitedMs: 2400, pool: { size: 10, inUse: 10, idle: 0, waiters: 141, maxWaiters: null, acquireTimeoutMs: 2400 }, msg: 'pool acquire timeout: database connection timeout',
    }],
  },
};

/** Synchronised retries against a failing dependency (seed 001): no jitter. */
export const RETRY_STORM: Signals = {
  metrics: {
    errorRatio: '0.58', worstEndpoint: { value: '29', metric: { endpoint: '/api/orders' } }, requestRate: '50', p95ms: '5400',
    poolUsage: '0.1', poolMax: '10', poolTimeouts: '0',
    queueDepth: '0', queueGrowth: '0', workersBusy: '0',
    depRetries: { value: '1840', metric: { dependency: 'payments-api' } },
    sagaOldestRunning: '0', sagasRunning: '0', sagasRecovered: '0',
  },
  logs: {
    'dependency call failed, retrying': [{ level: 'warn', ...base, dependency: 'payments-api', attempt: 2, delayMs: 1000, jitter: 'none', status: 503, reason: 'brownout', msg: 'dependency call failed, retrying' }],
  },
};

/** Every worker slot busy and the queue growing (seed 000). */
export const TASK_BACKLOG: Signals = {
  metrics: {
    errorRatio: '0.02', worstEndpoint: { value: '0.2', metric: { endpoint: '/api/tasks' } }, requestRate: '10', p95ms: '40',
    poolUsage: '0', poolMax: '10', poolTimeouts: '0',
    queueDepth: '212', queueGrowth: '9.8', workersBusy: '1',
    sagaOldestRunning: '0', sagasRunning: '0', sagasRecovered: '0',
  },
  logs: {
    'worker pool saturated': [{ level: 'warn', ...base, workers: { busy: 8, concurrency: 8, queueDepth: 212 }, msg: 'worker pool saturated: all worker slots busy, tasks queuing' }],
  },
};

/** RUNNING sagas that never move after a crash (seed 002). */
export const STUCK_SAGAS: Signals = {
  metrics: {
    errorRatio: '0', requestRate: '5', p95ms: '120',
    poolUsage: '0.1', poolMax: '10', poolTimeouts: '0',
    queueDepth: '0', queueGrowth: '0', workersBusy: '0',
    sagaOldestRunning: '94.5', sagasRunning: '17', sagasRecovered: '0',
  },
  logs: {},
};

/** A release that crash-loops at startup: the service serves nothing (seed 001's bad deploy). */
export const BAD_DEPLOY: Signals = {
  metrics: { poolMax: '10' },
  logs: {
    'startup dependency missing': [{ level: 'fatal', ...base, msg: 'startup dependency missing: "firestore" is not provided by this environment (provided: payments-db)' }],
  },
};

/** Everything normal: a misfiring alert. */
export const HEALTHY: Signals = {
  metrics: {
    errorRatio: '0', requestRate: '20', p95ms: '290',
    poolUsage: '0.4', poolMax: '10', poolTimeouts: '0',
    queueDepth: '0', queueGrowth: '0', workersBusy: '0.1',
    sagaOldestRunning: '0', sagasRunning: '0', sagasRecovered: '0',
  },
  logs: {},
};
