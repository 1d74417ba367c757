import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { launchDependency, type DependencyHandle } from '../../src/lab/dependency/launch.js';
import { startLoad } from '../../src/lab/load/generator.js';
import type { LoadStats } from '../../src/lab/load/stats.js';
import { launchTarget, type TargetHandle } from '../../src/lab/target/launch.js';
import { scenarioPresets } from '../../src/lab/target/presets.js';
import { metricValue, readLogLines, tempDir } from './helpers/lab.js';

// Seed 001's retry storm: the dependency fails for a few seconds, then its clients' retries decide whether
// it comes back. Same world twice, side by side: only `dependency.jitter` differs.

const preset = scenarioPresets['retry-storm'];
const OUTAGE_AT_MS = 2_000;
const OUTAGE_MS = preset.world.dependencyOutageMs;
const LOAD_MS = 14_000;
/** Judge the aftermath from just after the injected outage ended: is the dependency back? */
const AFTER_FROM_MS = OUTAGE_AT_MS + OUTAGE_MS + 500;

interface WorldResult {
  /** Share of [AFTER_FROM_MS, LOAD_MS] the dependency spent browned out. */
  downFraction: number;
  overloadBrownouts: number;
  /** Requests sent in the aftermath window. */
  after: LoadStats;
  metrics: string;
  logFile: string;
  /** The provider's status page during the injected outage and in the aftermath. */
  statusDuring: { indicator: string; level: number | undefined };
  statusAfter: { indicator: string; level: number | undefined; up: boolean };
}

async function statusPage(dep: DependencyHandle): Promise<{ indicator: string; level: number | undefined }> {
  const page = (await (await fetch(`${dep.url}/status`)).json()) as { status: { indicator: string }; components: { name: string; status: string }[] };
  const metrics = await (await fetch(`${dep.url}/metrics`)).text();
  return { indicator: page.status.indicator, level: metricValue(metrics, 'statuspage_component_status', { component: 'payments-api' }) };
}

const handles: { target?: TargetHandle; dependency?: DependencyHandle }[] = [];
const cleanups: (() => Promise<void>)[] = [];

async function runWorld(jitter: 'none' | 'full'): Promise<WorldResult> {
  const tmp = await tempDir(`storm-${jitter}`);
  cleanups.push(tmp.cleanup);
  const h: (typeof handles)[number] = {};
  handles.push(h);
  h.dependency = await launchDependency({ ...preset.world.dependency, logFile: join(tmp.dir, 'dependency.log') });
  h.target = await launchTarget({
    workDir: tmp.dir,
    config: jitter === 'none' ? preset.broken : preset.fixed,
    provides: { 'payments-db': '', 'payments-api': h.dependency.url },
  });
  const load = startLoad({ url: h.target.url, path: preset.world.path, method: 'POST', body: { amount: 42 }, requestTimeoutMs: 30_000, profile: { kind: 'steady', ratePerSec: preset.world.baselineRatePerSec, durationMs: LOAD_MS } });
  while (load.elapsedMs() < OUTAGE_AT_MS) await sleep(20);
  await h.dependency.fail(OUTAGE_MS);
  const statusDuring = await statusPage(h.dependency);
  while (load.elapsedMs() < AFTER_FROM_MS) await sleep(20);
  const before = await h.dependency.state();
  const statusAfter = { ...(await statusPage(h.dependency)), up: before.up };
  const t0 = performance.now();
  while (load.elapsedMs() < LOAD_MS) await sleep(20);
  const end = await h.dependency.state();
  const windowMs = performance.now() - t0;
  await load.done; // waits for the last requests' retries to settle
  const metrics = await (await fetch(`${h.target.url}/metrics`)).text();
  return {
    downFraction: (end.downMs - before.downMs) / windowMs,
    overloadBrownouts: end.brownouts.overload,
    after: load.stats({ fromMs: AFTER_FROM_MS, toMs: LOAD_MS - 2_000 }),
    metrics,
    logFile: h.target.logFile,
    statusDuring,
    statusAfter,
  };
}

describe('retry storm (seed 001) after a dependency outage', () => {
  afterAll(async () => {
    await Promise.all(handles.flatMap((h) => [h.target?.stop(), h.dependency?.stop()]));
    for (const c of cleanups) await c();
  });

  it('without jitter the dependency stays down; with full jitter it recovers', async () => {
    const [none, full] = await Promise.all([runWorld('none'), runWorld('full')]);
    const seen = JSON.stringify({
      none: { down: none.downFraction, overloads: none.overloadBrownouts, errorRate: none.after.errorRate },
      full: { down: full.downFraction, overloads: full.overloadBrownouts, errorRate: full.after.errorRate },
    });

    // No jitter: synchronized retry waves tip it back into overload brownouts after the outage is over.
    // (How many requests finally fail depends on where their last retry lands; typically 40-60%.)
    expect(none.overloadBrownouts, seen).toBeGreaterThanOrEqual(1);
    expect(none.downFraction, seen).toBeGreaterThan(0.3);
    const retries = (m: string): number => metricValue(m, 'dependency_client_retries_total', { dependency: 'payments-api' }) ?? 0;
    expect(retries(none.metrics), seen).toBeGreaterThan(2 * retries(full.metrics));

    // Full jitter: the same outage, the same load — it is back and serving.
    expect(full.downFraction, seen).toBeLessThan(0.05);
    expect(full.after.errorRate, seen).toBeLessThan(0.02);
    expect(full.after.completed, seen).toBeGreaterThan(80);

    // The provider's status page reports its own outage, never a client's retry storm.
    for (const world of [none, full]) {
      expect(world.statusDuring, seen).toEqual({ indicator: 'major', level: 4 });
      expect(world.statusAfter, seen).toMatchObject({ indicator: 'none', level: 1 });
    }

    const retryLine = (await readLogLines(none.logFile)).find((l) => l.msg === 'dependency call failed, retrying');
    expect(retryLine).toMatchObject({ level: 'warn', dependency: 'payments-api', jitter: 'none', status: 503 });
  }, 60_000);
});
