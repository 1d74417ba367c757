import type { DependencyOptionsInput } from '../dependency/config.js';
import type { AlertRuleInput } from '../prometheus/config.js';
import type { ServiceConfigInput } from './config.js';

/** The world around one fault: which endpoint the load hits, at what rate, and how the fault is produced. */
export interface ScenarioWorld {
  readonly path: string;
  readonly method: 'GET' | 'POST';
  readonly baselineRatePerSec: number;
  /** Load multiplier that produces the fault (pool exhaustion: the seed's 3x). 1 = the fault comes from elsewhere. */
  readonly faultMultiplier: number;
  /** Lab dependency settings, when the scenario involves it. */
  readonly dependency?: DependencyOptionsInput;
  /** Outage to inject into the dependency (POST /admin/fail), ms. */
  readonly dependencyOutageMs?: number;
  /** Names the environment provides (FIREBREAK_LAB_PROVIDES), besides the dependency. */
  readonly provides: readonly string[];
  /** How the fault happens, for humans and scenario files. */
  readonly fault: string;
}

/** A calibrated scenario: the incident-prone config, the fixed config, and the world that triggers it. */
export interface ScenarioPreset {
  /** Seed document the numbers come from (../shared/seeds/NNN_*.txt). */
  readonly seed: string;
  readonly summary: string;
  readonly broken: ServiceConfigInput;
  readonly fixed: ServiceConfigInput;
  readonly world: ScenarioWorld;
  /** How soon symptoms show after the fault starts, and recovery after the fix, in this compressed lab. */
  readonly timing: string;
}

/**
 * Calibrated presets for the drill scenarios (measured on the lab, see README.md). `broken` configs carry
 * the seeds' production values; `fixed` configs are the remediations the seeds describe. Every fix is a
 * config change (or, for bad-deploy, a rollback to the previous config).
 */
export const scenarioPresets = {
  'pool-exhaustion': {
    seed: '004',
    summary: 'pool of 10 under 3x load: ~15% HTTP 500 (pool acquire timeout), p95 ~2.5 s vs 0.3 s',
    broken: { pool: { size: 10, acquireTimeoutMs: 2_400, maxWaiters: null } },
    fixed: { pool: { size: 50, acquireTimeoutMs: 500, maxWaiters: 200 } },
    world: { path: '/api/workflows/execute', method: 'GET', baselineRatePerSec: 20, faultMultiplier: 3, provides: ['payments-db'], fault: '3x baseline traffic (60 req/s) against a pool that serves ~51 req/s' },
    timing: 'p95 > 1 s after ~5 s of 3x load; errors from ~13 s, steady ~15% by ~15 s; fixed: p95 ~0.31 s, 0 errors right after the restart',
  },
  'task-backlog': {
    seed: '000',
    summary: 'long-tailed tasks without timeouts fill every worker slot; the queue only grows',
    broken: { workers: { concurrency: 8, taskTimeoutMs: null, maxAttempts: 3, maxQueueDepth: null } },
    fixed: { workers: { concurrency: 8, taskTimeoutMs: 1_000, maxAttempts: 3, maxQueueDepth: 500 } },
    world: { path: '/api/tasks', method: 'POST', baselineRatePerSec: 10, faultMultiplier: 1, provides: ['payments-db'], fault: '5% of task attempts run 20-40 s (a hung downstream call)' },
    timing: 'all 8 slots busy and the queue growing ~10/s from ~14 s; fixed: long attempts cut at 1 s and retried, queue ~0',
  },
  'retry-storm': {
    seed: '001',
    summary: 'retries without jitter come back as synchronized waves that keep a recovering dependency down',
    broken: { dependency: { name: 'payments-api', retries: 3, backoffMs: 1_000, timeoutMs: 10_000, jitter: 'none' } },
    fixed: { dependency: { name: 'payments-api', retries: 3, backoffMs: 1_000, timeoutMs: 10_000, jitter: 'full' } },
    world: {
      path: '/api/orders',
      method: 'POST',
      baselineRatePerSec: 25,
      faultMultiplier: 1,
      dependency: { name: 'payments-api', capacity: 15, queueLimit: 15, serviceMs: 40, brownoutMs: 3_000 },
      dependencyOutageMs: 4_000,
      provides: ['payments-db'],
      fault: 'a 4 s dependency outage (connections stall, then all fail at once) under 25 req/s (the seed\'s 1,500 req/min)',
    },
    timing: 'without jitter the dependency stays down ~60-80% of the time after the outage (3 s brownouts, ~1 s gaps); with full jitter it recovers within ~1 s. A restart clears in-flight retries, so re-inject the outage to verify a fix',
  },
  'stuck-sagas': {
    seed: '002',
    summary: 'a coordinator killed mid-saga leaves sagas RUNNING forever; the runbook re-queues them',
    broken: { sagas: { recovery: { enabled: false } } },
    fixed: { sagas: { recovery: { enabled: true, staleAfterMs: 5_000, maxRetries: 3, intervalMs: 1_000 } } },
    world: { path: '/api/sagas', method: 'POST', baselineRatePerSec: 5, faultMultiplier: 1, provides: ['payments-db'], fault: 'the service process is SIGKILLed (OOM kill) or redeployed while sagas run' },
    timing: 'stuck RUNNING rows visible right after the restart (saga_oldest_running_age_seconds grows); fixed: re-queued ~5 s after they stopped moving, COMPLETED ~1 s later',
  },
  'bad-deploy': {
    seed: '001',
    summary: 'a release that requires a dependency the environment lacks crash-loops at startup',
    broken: { service: { version: '1.5.0' }, startup: { requires: ['payments-db', 'firestore'] } },
    fixed: { service: { version: '1.4.2' }, startup: { requires: ['payments-db'] } },
    world: { path: '/api/workflows/execute', method: 'GET', baselineRatePerSec: 20, faultMultiplier: 1, provides: ['payments-db'], fault: 'deploying the broken config: the process exits 1 at start ("startup dependency missing")' },
    timing: 'immediate: every start exits 1 within ~0.5 s; rollback to the previous config starts normally',
  },
} as const satisfies Record<string, ScenarioPreset>;

export type ScenarioName = keyof typeof scenarioPresets;

/**
 * Seed 004's alert ("API error rate > 5% for last 5 minutes"), time-compressed to 10 s windows, per job.
 * Use with startPrometheus({ rules: [apiErrorRateAlert()] }).
 */
export function apiErrorRateAlert(o: { endpoint?: string; forSeconds?: number; threshold?: number } = {}): AlertRuleInput {
  const endpoint = o.endpoint ?? '/api/workflows/execute';
  const sel = `endpoint="${endpoint}"`;
  return {
    name: 'APIErrorRateHigh',
    expr: `sum by (job, service) (rate(http_requests_total{${sel},status=~"5.."}[10s])) / sum by (job, service) (rate(http_requests_total{${sel}}[10s])) > ${o.threshold ?? 0.05}`,
    for: `${o.forSeconds ?? 10}s`,
    labels: { severity: 'critical', endpoint },
    annotations: { summary: `API error rate above ${Math.round((o.threshold ?? 0.05) * 100)}% on ${endpoint}`, description: 'Error ratio is {{ $value | humanizePercentage }} on {{ $labels.service }}.' },
  };
}

/** Seed 004's follow-up alert: connection pool usage above 80%. */
export function poolUsageAlert(o: { forSeconds?: number } = {}): AlertRuleInput {
  return {
    name: 'DatabaseConnectionPoolHigh',
    expr: 'database_connection_pool_active / database_connection_pool_max > 0.8',
    for: `${o.forSeconds ?? 10}s`,
    labels: { severity: 'warning' },
    annotations: { summary: 'Database connection pool usage above 80%', description: 'Connection pool at {{ $value | humanizePercentage }} capacity.' },
  };
}
