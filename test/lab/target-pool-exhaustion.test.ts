import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLoad, type LoadController } from '../../src/lab/load/generator.js';
import { startPrometheus, type PrometheusServer } from '../../src/lab/prometheus/server.js';
import { launchTarget, type TargetHandle } from '../../src/lab/target/launch.js';
import { apiErrorRateAlert, scenarioPresets } from '../../src/lab/target/presets.js';
import { prometheusAvailable, readLogLines, tempDir, waitUntil } from './helpers/lab.js';

// Seed 004 reproduced end to end: the same 3x load against the broken config (pool 10, 2.4 s acquire
// timeout) and the fixed one (pool 50, fail-fast 500 ms), both scraped by a real Prometheus carrying the
// seed's alert. Both targets run side by side to keep the file around 35 s.

const preset = scenarioPresets['pool-exhaustion'];
const ENDPOINT = preset.world.path;
const FAULT_RATE = preset.world.baselineRatePerSec * preset.world.faultMultiplier;
/** The wait queue needs ~13 s at 3x before requests start timing out; measure the steady state after it. */
const WARMUP_MS = 16_000;

// `or vector(0)`: a target that never answered 5xx has no 5xx series at all, which would empty the ratio.
const errorRatio = (job: string): string =>
  `(sum(rate(http_requests_total{job="${job}",endpoint="${ENDPOINT}",status=~"5.."}[10s])) or vector(0)) / sum(rate(http_requests_total{job="${job}",endpoint="${ENDPOINT}"}[10s]))`;
const p95 = (job: string): string => `histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{job="${job}",endpoint="${ENDPOINT}"}[10s])))`;

describe.skipIf(!prometheusAvailable('target-pool-exhaustion.test'))('pool exhaustion (seed 004) under 3x load', () => {
  let prom: PrometheusServer;
  let broken: TargetHandle;
  let fixed: TargetHandle;
  let brokenLoad: LoadController;
  let fixedLoad: LoadController;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    const tmp = await tempDir('pool');
    cleanup = tmp.cleanup;
    // Prometheus first: its first scrape of a target comes ~5 s after it starts.
    prom = await startPrometheus({ jobs: [{ job: 'target-broken' }, { job: 'target-fixed' }], rules: [apiErrorRateAlert({ endpoint: ENDPOINT, forSeconds: 10 })] });
    const provides = { 'payments-db': '' };
    [broken, fixed] = await Promise.all([
      launchTarget({ workDir: join(tmp.dir, 'broken'), config: preset.broken, provides }),
      launchTarget({ workDir: join(tmp.dir, 'fixed'), config: preset.fixed, provides }),
    ]);
    await prom.setTargets('target-broken', [`127.0.0.1:${broken.port}`]);
    await prom.setTargets('target-fixed', [`127.0.0.1:${fixed.port}`]);
    await prom.waitForTargetsUp();
    const spec = { path: ENDPOINT, method: 'GET' as const, requestTimeoutMs: 15_000 };
    brokenLoad = startLoad({ ...spec, url: broken.url, profile: { kind: 'steady', ratePerSec: FAULT_RATE, durationMs: 45_000 } });
    fixedLoad = startLoad({ ...spec, url: fixed.url, profile: { kind: 'steady', ratePerSec: FAULT_RATE, durationMs: 14_000 } });
  }, 60_000);

  afterAll(async () => {
    await Promise.all([brokenLoad?.stop(), fixedLoad?.stop()]);
    await Promise.all([broken?.stop(), fixed?.stop(), prom?.stop()]);
    await cleanup?.();
  });

  it('fixed config: errors < 1% and p95 < 0.5 s, from the load generator and from Prometheus', async () => {
    const stats = await fixedLoad.done;
    expect(stats.sent).toBeGreaterThan(FAULT_RATE * 13);
    expect(stats.dropped).toBe(0);
    expect(stats.errorRate).toBeLessThan(0.01);
    expect(stats.latencyMs.p95).toBeLessThan(500);

    const ratio = await prom.queryValue(errorRatio('target-fixed'));
    expect(ratio).toBeDefined();
    expect(ratio).toBeLessThan(0.01);
    expect(await prom.queryValue(p95('target-fixed'))).toBeLessThan(0.5);
    expect(await prom.queryValue('database_connection_pool_max{job="target-fixed"}')).toBe(50);
  }, 30_000);

  it('broken config: the error-rate alert fires, errors ~15% and p95 ~2.5 s', async () => {
    // The alert: error ratio > 5% over 10 s, held for 10 s. Errors begin ~13 s into the load.
    const alert = await waitUntil(
      'APIErrorRateHigh firing for target-broken',
      async () => (await prom.alerts()).find((a) => a.labels.alertname === 'APIErrorRateHigh' && a.labels.job === 'target-broken' && a.state === 'firing'),
      { timeoutMs: 45_000, intervalMs: 500 },
    );
    expect(alert.labels).toMatchObject({ severity: 'critical', service: 'workflows-api' });
    expect((await prom.alerts()).some((a) => a.labels.job === 'target-fixed')).toBe(false);

    // Prometheus' view while the fault is on.
    const ratio = await prom.queryValue(errorRatio('target-broken'));
    expect(ratio).toBeGreaterThan(0.05);
    expect(ratio).toBeLessThan(0.4);
    expect(await prom.queryValue(p95('target-broken'))).toBeGreaterThan(1);
    expect(await prom.queryValue('database_connection_pool_active{job="target-broken"} / database_connection_pool_max{job="target-broken"}')).toBe(1);
    expect(await prom.queryValue('increase(database_connection_pool_acquire_timeouts_total{job="target-broken"}[10s])')).toBeGreaterThan(0);
    // The query itself did not get slower (p95 ~0.3 s): the time goes to waiting for a connection.
    const queryP95 = await prom.queryValue('histogram_quantile(0.95, sum by (le) (rate(database_query_duration_seconds_bucket{job="target-broken"}[10s])))');
    expect(queryP95).toBeGreaterThan(0.2);
    expect(queryP95).toBeLessThan(0.5);

    // The load generator's view of the steady state: requests sent after the warm-up, all completed by now.
    const until = WARMUP_MS + 8_000;
    while (brokenLoad.elapsedMs() < until + 3_500) await sleep(250);
    const stats = brokenLoad.stats({ fromMs: WARMUP_MS, toMs: until });
    expect(stats.inFlight).toBe(0);
    expect(stats.errorRate).toBeGreaterThan(0.05);
    expect(stats.errorRate).toBeLessThan(0.4);
    expect(Object.keys(stats.byStatus).sort()).toEqual(['200', '500']);
    expect(stats.latencyMs.p95).toBeGreaterThan(1_000);
    expect(stats.latencyMs.p95).toBeLessThan(4_000);

    // The log tells the same story: pool acquire timeouts with pool stats.
    const timeout = (await readLogLines(broken.logFile)).find((l) => typeof l.msg === 'string' && l.msg.startsWith('pool acquire timeout'));
    expect(timeout).toMatchObject({ level: 'error', endpoint: ENDPOINT, pool: { size: 10, inUse: 10 } });
    expect((timeout?.pool as { waiters: number }).waiters).toBeGreaterThan(0);
  }, 60_000);
});
