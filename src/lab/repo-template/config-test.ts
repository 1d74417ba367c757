/**
 * test/config.test.mjs of the service repository: the config sanity suite the backend persona runs in the
 * sandbox (`node --test`, no dependencies). It encodes the team's operating rules for service.config.json
 * against capacity.json (expected traffic, what the environment provides). It passes for a sound config and
 * fails, naming the rule, for the known-bad ones — each check cites the incident class it prevents.
 *
 * `CONFIG_TEST_DEFAULTS` mirrors the service's schema defaults (a test in firebreak keeps them in sync):
 * a field left out of service.config.json gets its default, and the defaults are the incident-prone values.
 */
export const CONFIG_TEST_DEFAULTS = {
  pool: { size: 10, acquireTimeoutMs: 2_400, maxWaiters: null, queryLatencyMedianMs: 190 },
  workers: { concurrency: 8, taskTimeoutMs: null, maxQueueDepth: null, maxAttempts: 3 },
  dependency: { retries: 3, jitter: 'none', timeoutMs: 5_000 },
  sagas: { recoveryEnabled: false, maxRetries: 3 },
} as const;

// Written as plain JavaScript (no template literals inside) so it can live in this string verbatim.
export const CONFIG_TEST_SOURCE = String.raw`// Config sanity checks for service.config.json. Run: node --test
// Every rule below comes from a past incident; the message says what to change.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

const root = new URL('../', import.meta.url);
const readJson = (name) => JSON.parse(readFileSync(new URL(name, root), 'utf8'));
const config = readJson('service.config.json');
const capacity = readJson('capacity.json');

// The service's defaults for fields this file leaves out (see README.md, "Configuration").
const DEFAULTS = ${JSON.stringify(CONFIG_TEST_DEFAULTS, null, 2)};

const get = (path, fallback) => {
  let value = config;
  for (const key of path.split('.')) {
    if (value === null || typeof value !== 'object' || !(key in value)) return fallback;
    value = value[key];
  }
  return value;
};

const KNOWN_SECTIONS = ['$schema', 'service', 'pool', 'workers', 'dependency', 'sagas', 'startup', 'observability'];

test('only known top-level sections', () => {
  for (const key of Object.keys(config)) assert.ok(KNOWN_SECTIONS.includes(key), 'unknown section "' + key + '" in service.config.json');
});

test('environment simulation parameters are not overridden', () => {
  // Query, task and saga step durations describe the environment (database, downstream calls). The
  // platform sets them; a release that changes them hides problems instead of fixing them.
  for (const path of ['pool.queryLatency', 'workers.taskDuration', 'sagas.processor.stepDuration']) {
    assert.equal(get(path, undefined), undefined, path + ' is set by the platform, remove it from service.config.json');
  }
});

test('connection pool is sized for peak traffic (Little\'s law with 2x headroom)', () => {
  const peak = capacity.endpoints['/api/workflows/execute'].peakRequestsPerSec;
  const needed = Math.ceil(peak * (DEFAULTS.pool.queryLatencyMedianMs / 1000) * 2);
  const size = get('pool.size', DEFAULTS.pool.size);
  assert.ok(size >= needed, 'pool.size is ' + size + ': ' + peak + ' req/s at ~' + DEFAULTS.pool.queryLatencyMedianMs + ' ms per query needs at least ' + needed + ' connections');
});

test('pool acquire fails fast, within the latency target', () => {
  const target = capacity.endpoints['/api/workflows/execute'].p95TargetMs;
  const timeout = get('pool.acquireTimeoutMs', DEFAULTS.pool.acquireTimeoutMs);
  assert.notEqual(timeout, null, 'pool.acquireTimeoutMs is null: requests would wait for a connection forever');
  assert.ok(timeout <= target, 'pool.acquireTimeoutMs is ' + timeout + ' ms, above the ' + target + ' ms p95 target: waiting requests pile up');
});

test('pool wait queue is bounded', () => {
  const maxWaiters = get('pool.maxWaiters', DEFAULTS.pool.maxWaiters);
  assert.notEqual(maxWaiters, null, 'pool.maxWaiters is unbounded: under overload every request queues instead of failing fast');
});

test('tasks have a timeout', () => {
  const timeout = get('workers.taskTimeoutMs', DEFAULTS.workers.taskTimeoutMs);
  assert.notEqual(timeout, null, 'workers.taskTimeoutMs is null: a hung task holds its worker slot forever');
  assert.ok(timeout <= capacity.tasks.maxTaskRuntimeMs, 'workers.taskTimeoutMs is ' + timeout + ' ms, above the ' + capacity.tasks.maxTaskRuntimeMs + ' ms a task may run');
});

test('task queue is bounded (backpressure)', () => {
  const depth = get('workers.maxQueueDepth', DEFAULTS.workers.maxQueueDepth);
  assert.notEqual(depth, null, 'workers.maxQueueDepth is unbounded: a backlog grows without limit instead of pushing back');
});

test('dependency retries are jittered and bounded', (t) => {
  if (get('dependency', undefined) === undefined) return t.skip('no outbound dependency configured');
  const jitter = get('dependency.jitter', DEFAULTS.dependency.jitter);
  assert.notEqual(jitter, 'none', 'dependency.jitter is "none": every client retries in lockstep and a recovering dependency is knocked down again');
  const retries = get('dependency.retries', DEFAULTS.dependency.retries);
  assert.ok(retries <= 5, 'dependency.retries is ' + retries + ': more than 5 retries multiplies load on a struggling dependency');
});

test('stuck saga recovery runbook is enabled', () => {
  const enabled = get('sagas.recovery.enabled', DEFAULTS.sagas.recoveryEnabled);
  assert.equal(enabled, true, 'sagas.recovery.enabled is false: sagas left RUNNING by a crash are never re-queued');
  const maxRetries = get('sagas.recovery.maxRetries', DEFAULTS.sagas.maxRetries);
  assert.ok(maxRetries <= 3, 'sagas.recovery.maxRetries is ' + maxRetries + ': the runbook re-queues only sagas with retry_count < 3');
});

test('every startup requirement exists in the environment', () => {
  const provided = capacity.environment.provides;
  for (const name of get('startup.requires', [])) {
    assert.ok(provided.includes(name), 'startup.requires lists "' + name + '", which the environment does not provide (' + provided.join(', ') + '): the service would crash at start');
  }
});
`;
