import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startLoad } from '../../src/lab/load/generator.js';
import type { ServiceConfigInput } from '../../src/lab/target/config.js';
import { launchTarget, type TargetHandle } from '../../src/lab/target/launch.js';
import { getJson, metricValue, postJson, readLogLines, tempDir, waitUntil } from './helpers/lab.js';

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

type TaskCounts = Record<'queued' | 'running' | 'succeeded' | 'failed', number>;
const taskCounts = async (t: TargetHandle): Promise<TaskCounts> => (await getJson<{ counts: TaskCounts }>(`${t.url}/api/tasks`)).counts;

describe('durable task queue', () => {
  let current: TargetHandle | undefined;
  let cleanup: (() => Promise<void>) | undefined;
  afterAll(async () => {
    await current?.stop();
    await cleanup?.();
  });

  it('keeps queued and running tasks across a SIGKILL and a redeploy; the next process re-runs what the dead one was running', async () => {
    const tmp = await tempDir('durable-tasks');
    cleanup = tmp.cleanup;
    const workDir = join(tmp.dir, 'svc');
    // 2 slots, every attempt 1.5 s: after 6 tasks, 2 run and 4 wait when the process is killed.
    const slow: ServiceConfigInput = { workers: { concurrency: 2, taskTimeoutMs: null, taskDuration: { medianMs: 1_500, sigma: 0 } } };
    current = await launchTarget({ workDir, config: slow, provides: { 'payments-db': '' } });
    for (let i = 0; i < 6; i++) expect((await postJson(`${current.url}/api/tasks`, { kind: 'report' })).status).toBe(202);
    expect(await taskCounts(current)).toEqual({ queued: 4, running: 2, succeeded: 0, failed: 0 });
    const before = await (await fetch(`${current.url}/metrics`)).text();
    expect(metricValue(before, 'tasks_enqueued_total')).toBe(6);
    expect(metricValue(before, 'task_store_tasks', { status: 'queued' })).toBe(4);
    expect(metricValue(before, 'task_store_tasks', { status: 'running' })).toBe(2);
    expect(metricValue(before, 'task_oldest_running_seconds')).toBeGreaterThanOrEqual(0);

    current.child.signal('SIGKILL');
    expect(await current.child.exited).toEqual({ code: null, signal: 'SIGKILL' });

    // A new release (faster tasks) on the same data dir: nothing accepted is lost, the killed attempts run again.
    current = await launchTarget({ workDir, config: { workers: { concurrency: 3, taskDuration: { medianMs: 100, sigma: 0 } } }, provides: { 'payments-db': '' } });
    const done = await waitUntil('every task to succeed', async () => {
      const c = await taskCounts(current as TargetHandle);
      return c.succeeded === 6 ? c : undefined;
    });
    expect(done).toEqual({ queued: 0, running: 0, succeeded: 6, failed: 0 });
    const recovered = (await readLogLines(current.logFile)).find((l) => l.msg === 'task queue: re-queued attempts a previous process was running when it stopped');
    expect(recovered).toMatchObject({ level: 'warn', count: 2 });

    // A graceful stop (a deploy) hands running attempts back rather than dropping them.
    await postJson(`${current.url}/api/tasks`, {});
    await current.stop();
    current = await launchTarget({ workDir, config: { workers: { taskDuration: { medianMs: 50, sigma: 0 } } }, provides: { 'payments-db': '' } });
    await waitUntil('the 7th task to succeed', async () => (await taskCounts(current as TargetHandle)).succeeded === 7);
  }, 30_000);
});
