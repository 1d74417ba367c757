import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startLoad } from '../../src/lab/load/generator.js';
import type { ServiceConfigInput } from '../../src/lab/target/config.js';
import { launchTarget, type TargetHandle } from '../../src/lab/target/launch.js';
import { getJson, metricValue, readLogLines, tempDir } from './helpers/lab.js';

// Seed 000 in miniature: 2 worker slots and a heavy long tail, so the backlog forms in a couple of
// seconds. The presets use 8 slots and a 5% tail (backlog after ~14 s) for drills.

const workload = { medianMs: 30, sigma: 0.2, tail: { ratio: 0.4, minMs: 20_000, maxMs: 30_000 } };
const noTimeouts: ServiceConfigInput = { workers: { concurrency: 2, taskTimeoutMs: null, taskDuration: workload }, observability: { statsLogIntervalMs: 500 } };
const withTimeouts: ServiceConfigInput = { workers: { concurrency: 2, taskTimeoutMs: 200, maxAttempts: 3, maxQueueDepth: 100, taskDuration: workload } };

interface WorkersView {
  workers: { busy: number; concurrency: number; queueDepth: number };
}

describe('task backlog (seed 000)', () => {
  const targets: TargetHandle[] = [];
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    await Promise.all(targets.map((t) => t.stop()));
    for (const c of cleanups) await c();
  });

  async function run(config: ServiceConfigInput, name: string): Promise<{ target: TargetHandle; health: WorkersView; metrics: string }> {
    const tmp = await tempDir(`workers-${name}`);
    cleanups.push(tmp.cleanup);
    const target = await launchTarget({ workDir: join(tmp.dir, name), config, provides: { 'payments-db': '' } });
    targets.push(target);
    const stats = await startLoad({ url: target.url, path: '/api/tasks', body: { kind: 'report' }, profile: { kind: 'steady', ratePerSec: 8, durationMs: 4_000 } }).done;
    expect(stats.byStatus['202']).toBe(stats.sent);
    await new Promise((r) => setTimeout(r, 600));
    return { target, health: await getJson<WorkersView>(`${target.url}/healthz`), metrics: await (await fetch(`${target.url}/metrics`)).text() };
  }

  it('without task timeouts long tasks hold every slot and the queue grows; with timeouts it drains', async () => {
    const [stuck, healthy] = await Promise.all([run(noTimeouts, 'no-timeouts'), run(withTimeouts, 'timeouts')]);

    expect(stuck.health.workers).toMatchObject({ busy: 2, concurrency: 2 });
    expect(stuck.health.workers.queueDepth).toBeGreaterThan(8);
    expect(metricValue(stuck.metrics, 'task_queue_depth')).toBe(stuck.health.workers.queueDepth);
    expect(metricValue(stuck.metrics, 'task_timeouts_total')).toBe(0);
    const saturated = (await readLogLines(stuck.target.logFile)).find((l) => l.msg === 'worker pool saturated: all worker slots busy, tasks queuing');
    expect(saturated).toMatchObject({ level: 'warn', workers: { busy: 2, concurrency: 2 } });

    expect(healthy.health.workers.queueDepth).toBeLessThan(5);
    expect(metricValue(healthy.metrics, 'task_timeouts_total')).toBeGreaterThan(0);
    expect(metricValue(healthy.metrics, 'task_retries_total')).toBeGreaterThan(0);
    expect(metricValue(healthy.metrics, 'tasks_finished_total', { outcome: 'succeeded' })).toBeGreaterThan(20);
    const timedOut = (await readLogLines(healthy.target.logFile)).find((l) => l.msg === 'task timed out');
    expect(timedOut).toMatchObject({ level: 'warn', kind: 'report', timeoutMs: 200 });
  }, 30_000);
});
