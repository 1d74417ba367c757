// Realistic tool results for playbook tests, in the exact shapes the grafana, github, sandbox and deploy
// servers return. The pool-exhaustion values were captured from the lab (src/lab/target under 3x load);
// the other symptoms follow the target's metrics and log messages (src/lab/target/README.md).
import { builtinToolCatalog } from '../../../src/personas/builtin/tool-catalog.js';
import type { ToolResult, ToolSet } from '../../../src/tools/types.js';

/**
 * Which query of the observability runbook an expression is, by the name it is saved under: the first
 * matcher that fits wins (the "before" queries, evaluated `@` a timestamp, come first).
 */
const QUERIES: [string, (expr: string) => boolean][] = [
  ['errorRatioBefore', (e) => e.includes(' @ ') && e.includes('status=~"5.."')],
  ['requestRateBefore', (e) => e.includes(' @ ') && e.includes('http_requests_total')],
  ['queryMeanBefore', (e) => e.includes(' @ ') && e.includes('database_query_duration_seconds_sum')],
  ['taskMedianBefore', (e) => e.includes(' @ ') && e.includes('task_run_duration_seconds_bucket')],
  ['errorRatio', (e) => e.startsWith('(sum(rate(http_requests_total')],
  ['requestRate', (e) => e.startsWith('sum(rate(http_requests_total')],
  ['worstEndpoint', (e) => e.startsWith('topk(1')],
  ['p95ms', (e) => e.startsWith('1000 * histogram_quantile')],
  ['up', (e) => e.startsWith('min(up{')],
  ['poolMax', (e) => e.startsWith('max(database_connection_pool_max')],
  ['poolUsage', (e) => e.includes('database_connection_pool_active')],
  ['acquireRate', (e) => e.includes('database_connection_pool_acquire_duration_seconds_count')],
  ['queryMean', (e) => e.includes('database_query_duration_seconds_sum')],
  ['poolRejects', (e) => e.includes('database_connection_pool_acquire_timeouts_total')],
  ['workersMax', (e) => e.startsWith('max(task_workers_max')],
  ['workersBusy', (e) => e.includes('task_workers_busy')],
  ['queueGrowth', (e) => e.includes('deriv(task_queue_depth')],
  ['queueDepth', (e) => e.includes('task_queue_depth')],
  ['taskArrival', (e) => e.includes('tasks_enqueued_total')],
  ['taskMedian', (e) => e.includes('task_run_duration_seconds_bucket')],
  ['taskOldestRunning', (e) => e.includes('task_oldest_running_seconds')],
  ['taskTimeouts', (e) => e.includes('task_timeouts_total')],
  ['depRetries', (e) => e.includes('dependency_client_retries_total')],
  ['depFailureRatio', (e) => e.includes('dependency_client_requests_total')],
  ['depStatus', (e) => e.includes('statuspage_component_status')],
  ['sagaOldestRunning', (e) => e.includes('saga_oldest_running_age_seconds')],
  ['sagasRunning', (e) => e.includes('saga_executions')],
  ['sagasRecovered', (e) => e.includes('saga_recovered_total')],
];

/** The runbook's name for a PromQL expression, or undefined. */
export function queryName(expr: string): string | undefined {
  return QUERIES.find(([, m]) => m(expr))?.[0];
}

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
        const key = queryName(expr);
        const v = key === undefined ? undefined : signals.metrics[key];
        const sample = v === undefined ? [] : [{ metric: typeof v === 'string' ? {} : v.metric, value: [1795408612.1, typeof v === 'string' ? v : v.value] }];
        return ok({ resultType: 'vector', result: sample, queryType: 'instant', time: '2026-11-23T04:36:52.136Z' });
      }
      if (name === 'grafana.query_loki_logs') {
        const filter = /\|[=~] "(?:\(\?i\))?([^"]+)"/.exec(String(args.logql))?.[1];
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

/** Nothing saturated, nothing stuck, no dependency trouble: the quiet parts of every incident below. */
const QUIET = {
  up: '1', poolMax: '10', poolUsage: '0.3', acquireRate: '15', queryMean: '0.19', poolRejects: '0',
  workersMax: '8', workersBusy: '0.05', queueDepth: '0', queueGrowth: '0', taskArrival: '0.5', taskMedian: '0.15', taskOldestRunning: '0.2', taskTimeouts: '0',
  sagaOldestRunning: '0', sagasRunning: '0', sagasRecovered: '0',
  requestRateBefore: '20', errorRatioBefore: '0', queryMeanBefore: '0.19', taskMedianBefore: '0.15',
} as const;

/** The lab's pool-exhaustion incident as the tools reported it (3x load, pool of 10). */
export const POOL_EXHAUSTION: Signals = {
  metrics: {
    ...QUIET,
    errorRatio: '0.10043372397949119',
    worstEndpoint: { value: '5.306427380952381', metric: { endpoint: '/api/workflows/execute' } },
    requestRate: '52.63319404761904',
    p95ms: '2945.9999999999995',
    poolUsage: '1',
    poolMax: '10',
    acquireRate: '58.4',
    queryMean: '0.1912',
    poolRejects: '210.12',
  },
  logs: {
    'pool acquire timeout': [{
      level: 'error', ...base, method: 'GET', endpoint: '/api/workflows/execute',
      err: { type: 'PoolAcquireTimeoutError', message: 'timed out after 2400 ms waiting for a database connection (pool 10/10 in use, 141 waiting)' },
      waitedMs: 2400, pool: { size: 10, inUse: 10, idle: 0, waiters: 141, maxWaiters: null, acquireTimeoutMs: 2400 }, msg: 'pool acquire timeout: database connection timeout',
    }],
  },
};

/** A release that makes every query ~3x slower, shortly before the symptom: the pool saturates at unchanged traffic. */
export const SLOW_RELEASE: Signals = {
  metrics: {
    ...POOL_EXHAUSTION.metrics,
    requestRate: '40.2', acquireRate: '40.2', queryMean: '0.61', poolMax: '24', requestRateBefore: '39.8', queryMeanBefore: '0.19',
  },
  logs: POOL_EXHAUSTION.logs,
};

/** Synchronised retries against a failing dependency (seed 001): no jitter; the provider's status page says it is up. */
export const RETRY_STORM: Signals = {
  metrics: {
    ...QUIET,
    errorRatio: '0.58', worstEndpoint: { value: '29', metric: { endpoint: '/api/orders' } }, requestRate: '50', p95ms: '5400',
    depRetries: { value: '1840', metric: { dependency: 'payments-api' } },
    depFailureRatio: { value: '0.71', metric: { dependency: 'payments-api' } },
    depStatus: { value: '1', metric: { component: 'payments-api' } },
  },
  logs: {
    retrying: [{ level: 'warn', ...base, dependency: 'payments-api', attempt: 2, delayMs: 1000, jitter: 'none', status: 503, reason: 'brownout', msg: 'dependency call failed, retrying' }],
  },
};

/** The same failing calls, but the provider reports a major outage: nothing of ours to change. */
export const PROVIDER_OUTAGE: Signals = {
  metrics: {
    ...RETRY_STORM.metrics,
    depStatus: { value: '4', metric: { component: 'payments-api' } },
    depFailureRatio: { value: '1', metric: { dependency: 'payments-api' } },
  },
  logs: { retrying: [{ level: 'warn', ...base, dependency: 'payments-api', attempt: 1, delayMs: 480, jitter: 'full', status: 503, msg: 'dependency call failed, retrying' }] },
};

/** Every worker slot held by hung attempts and the queue growing (seed 000). */
export const TASK_BACKLOG: Signals = {
  metrics: {
    ...QUIET,
    errorRatio: '0.02', worstEndpoint: { value: '0.2', metric: { endpoint: '/api/tasks' } }, requestRate: '10', p95ms: '40',
    queueDepth: '212', queueGrowth: '9.8', workersBusy: '1', taskArrival: '10', taskMedian: '0.152', taskOldestRunning: '31.5', taskTimeouts: '0',
  },
  logs: {},
};

/** Normal tasks, but more of them than the workers can take: 20/s x 0.15 s = 3 busy workers needed, 2 there. */
export const WORKER_CAPACITY: Signals = {
  metrics: {
    ...QUIET,
    errorRatio: '0', worstEndpoint: { value: '0', metric: { endpoint: '/api/tasks' } }, requestRate: '20', p95ms: '12',
    workersMax: '2', workersBusy: '1', queueDepth: '140', queueGrowth: '6.4', taskArrival: '20', taskMedian: '0.15', taskOldestRunning: '0.4',
  },
  logs: {},
};

/** RUNNING sagas that never move after a crash (seed 002). */
export const STUCK_SAGAS: Signals = {
  metrics: {
    ...QUIET,
    errorRatio: '0', requestRate: '5', p95ms: '120',
    sagaOldestRunning: '94.5', sagasRunning: '17', sagasRecovered: '0',
  },
  logs: {},
};

/** A release that crash-loops at startup: the service is down (seed 001's bad deploy). */
export const BAD_DEPLOY: Signals = {
  metrics: { up: '0', poolMax: '10' },
  logs: {
    'startup dependency missing': [{ level: 'fatal', ...base, msg: 'startup dependency missing: "firestore" is not provided by this environment (provided: payments-db)' }],
  },
};

/** Everything normal: a misfiring alert. */
export const HEALTHY: Signals = {
  metrics: { ...QUIET, errorRatio: '0', requestRate: '20', p95ms: '290' },
  logs: {},
};

/** Something is wrong (half the requests fail) and nothing the runbook knows explains it. */
export const UNEXPLAINED: Signals = {
  metrics: { ...QUIET, errorRatio: '0.5', requestRate: '20', p95ms: '40', worstEndpoint: { value: '10', metric: { endpoint: '/api/reports' } } },
  logs: { '': [{ level: 'error', ...base, msg: 'report renderer: template not found' }] },
};
