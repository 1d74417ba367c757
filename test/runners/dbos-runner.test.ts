import { DBOS } from '@dbos-inc/dbos-sdk';
import pg from 'pg';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { named, parallel, sequence, sleep, step } from '../../src/primitives/index.js';
import { GAP_STEP, STRUCTURE_STEP } from '../../src/runners/dbos/journal.js';
import {
  createRunner, LocalRunner, QueueFullError, RunCancelledError, RunFailedError, WorkflowRegistry, type Runner, type RunInfo,
} from '../../src/runners/index.js';
import { createTestDatabase, postgresOrSkip, type TestDatabase } from './helpers/postgres.js';

const available = await postgresOrSkip('dbos-runner');
const logger = pino({ level: 'silent' });

function gate(): { wait: Promise<void>; open: () => void } {
  let open!: () => void;
  const wait = new Promise<void>((resolve) => (open = resolve));
  return { wait, open };
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

// In-process state the workflows below report into (the DBOS worker runs in this test process).
const counts: Record<string, number> = {};
const bump = (key: string): number => (counts[key] = (counts[key] ?? 0) + 1);
const gates = new Map<string, ReturnType<typeof gate>>();
const started: string[] = [];
const failOnce = new Set(['flaky', 'gappy']);

const registry = new WorkflowRegistry();
registry.define('pipeline', named('pipeline', sequence(
  step('a', async (n: number) => (bump('pipeline/a'), n + 1)),
  parallel({ x: step('x', async (n: number) => (bump('pipeline/x'), n * 10)), y: step('y', async (n: number) => (bump('pipeline/y'), n * 100)) }),
  step('d', async (r: { x: number; y: number }) => (bump('pipeline/d'), { sum: r.x + r.y, at: 'd' })),
)));
registry.define('flaky', named('flaky', sequence(
  step('a', async (n: number) => (bump('flaky/a'), n + 1)),
  parallel({ b: step('b', async (n: number) => (bump('flaky/b'), n * 10)), c: step('c', async (n: number) => (bump('flaky/c'), n * 100)) }),
  step('d', async (r: { b: number; c: number }) => {
    bump('flaky/d');
    if (failOnce.delete('flaky')) throw new Error('deploy tool unavailable');
    return r.b + r.c;
  }),
)));
registry.define('gappy', named('gappy', sequence(
  parallel({
    b1: step('b1', async () => (bump('gappy/b1'), await sleep(40), 1)),
    b2: step('b2', async () => (bump('gappy/b2'), 2)),
    b3: step('b3', async () => (bump('gappy/b3'), await sleep(120), 3)),
  }),
  step('boom', async (r: { b1: number; b2: number; b3: number }) => {
    if (failOnce.delete('gappy')) throw new Error('crash stand-in');
    return r.b1 + r.b2 + r.b3;
  }),
)));
registry.define('slow', named('slow', sequence(
  step('wait-1', async (_: unknown, ctx) => (bump('slow/wait-1'), await sleep(2_500, ctx.signal))),
  step('wait-2', async () => bump('slow/wait-2')),
)));
registry.define('block', step('block', async (key: string) => (gates.get(key) as ReturnType<typeof gate>).wait.then(() => key)), { queue: 'prio' });
registry.define('job', step('job', async (id: string) => (started.push(id), id)), { queue: 'prio' });

describe.skipIf(!available)('DBOS runner with an in-process worker', () => {
  let db: TestDatabase;
  let runner: Runner;

  beforeAll(async () => {
    db = await createTestDatabase();
    runner = await createRunner({
      kind: 'dbos', database: db.url, executorId: 'in-process', heartbeatMs: 200, deadAfterMs: 1_000,
      queues: {
        incidents: { pollIntervalMs: 50 },
        prio: { concurrency: 2, workerConcurrency: 2, pollIntervalMs: 50 },
        bp: { workerConcurrency: 1, maxQueued: 5, pollIntervalMs: 50 },
      },
    }, registry, { logger });
  }, 60_000);

  afterAll(async () => {
    await runner?.close();
    await db?.drop();
  }, 60_000);

  it('runs the same workflow definition as the local runner, recording each journaled step as a DBOS step', async () => {
    const local = new LocalRunner(registry, { logger });
    const expected = await (await local.enqueue('pipeline', 2)).result();
    const handle = await runner.enqueue('pipeline', 2, { runId: 'pipeline-1' });
    expect(await handle.result({ timeoutMs: 15_000 })).toEqual(expected);
    expect(expected).toEqual({ sum: 330, at: 'd' });
    const status = await handle.status();
    expect(status).toMatchObject({ runId: 'pipeline-1', workflow: 'pipeline', queue: 'incidents', state: 'succeeded', executor: 'in-process', attempts: 1 });
    const names = ((await DBOS.listWorkflowSteps('pipeline-1')) ?? []).map((s) => s.name);
    expect(names[0]).toBe(STRUCTURE_STEP);
    expect(names.slice(1).sort()).toEqual(['pipeline', 'pipeline/a', 'pipeline/d', 'pipeline/x', 'pipeline/y']);
  });

  it('replays recorded steps by path when a failed run is resumed: finished steps are not repeated', async () => {
    const handle = await runner.enqueue('flaky', 1, { runId: 'flaky-1' });
    const err = await handle.result({ timeoutMs: 15_000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RunFailedError);
    expect((err as Error).message).toMatch(/deploy tool unavailable/);
    const recorded = (await DBOS.listWorkflowSteps('flaky-1')) ?? [];
    await DBOS.rewindWorkflow('flaky-1', { startStep: Math.max(...recorded.map((s) => s.functionID)) + 1 });
    expect(await runner.handle('flaky-1').result({ timeoutMs: 15_000 })).toBe(220);
    expect([counts['flaky/a'], counts['flaky/b'], counts['flaky/c'], counts['flaky/d']]).toEqual([1, 1, 1, 2]);
  });

  it('re-runs a parallel branch whose record was lost in a crash, without colliding with later records', async () => {
    const handle = await runner.enqueue('gappy', undefined, { runId: 'gappy-1' });
    await expect(handle.result({ timeoutMs: 15_000 })).rejects.toBeInstanceOf(RunFailedError);
    const recorded = (await DBOS.listWorkflowSteps('gappy-1')) ?? [];
    // b2 finished first, so its id sits between others: deleting its row is exactly what a crash between a
    // parallel branch taking its id and recording its output leaves behind.
    const b2 = recorded.find((s) => s.name === 'gappy/b2');
    expect(b2?.functionID).toBeLessThan(Math.max(...recorded.map((s) => s.functionID)));
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    await client.query('DELETE FROM dbos.operation_outputs WHERE workflow_uuid = $1 AND function_id = $2', ['gappy-1', b2?.functionID]);
    await client.end();
    await DBOS.rewindWorkflow('gappy-1', { startStep: Math.max(...recorded.map((s) => s.functionID)) + 1 });
    expect(await runner.handle('gappy-1').result({ timeoutMs: 15_000 })).toBe(6);
    expect([counts['gappy/b1'], counts['gappy/b2'], counts['gappy/b3']]).toEqual([1, 2, 1]);
    const after = ((await DBOS.listWorkflowSteps('gappy-1')) ?? []).map((s) => s.name);
    expect(after[b2?.functionID as number]).toBe(GAP_STEP);
  });

  it('stops a run at its deadline (a failure with TimeoutError) and on cancel, aborting ctx.signal', async () => {
    const timed = await runner.enqueue('slow', undefined, { timeoutMs: 300 });
    const t0 = Date.now();
    const err = await timed.result({ timeoutMs: 15_000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RunFailedError);
    expect((err as RunFailedError).cause).toMatchObject({ name: 'TimeoutError', timeoutMs: 300 });
    expect(await timed.status()).toMatchObject({ state: 'failed', error: expect.stringMatching(/timed out after 300 ms/) });
    expect((await runner.list({ state: 'failed', workflow: 'slow' })).map((s) => s.runId)).toEqual([timed.runId]);
    const cancelled = await runner.enqueue('slow', undefined);
    await waitFor('slow run started', async () => (counts['slow/wait-1'] ?? 0) >= 2);
    await runner.cancel(cancelled.runId);
    await expect(cancelled.result({ timeoutMs: 15_000 })).rejects.toBeInstanceOf(RunCancelledError);
    // The aborted signal ended wait-1 early (well before its 2.5 s), and neither run reached wait-2.
    await sleep(200);
    expect(Date.now() - t0).toBeLessThan(2_500 + 1_500);
    expect(counts['slow/wait-2']).toBeUndefined();
  });

  it('starts a p0 enqueued after twenty p2s before them when the workers are saturated', async () => {
    const g1 = gate();
    const g2 = gate();
    gates.set('hold-1', g1).set('hold-2', g2);
    const blockers = [await runner.enqueue('block', 'hold-1'), await runner.enqueue('block', 'hold-2')];
    await waitFor('both slots busy', async () => (await runner.depth('prio')).running === 2);
    started.length = 0;
    const p2 = [];
    for (let i = 0; i < 20; i++) p2.push(await runner.enqueue('job', `p2-${i}`, { priority: 'p2' }));
    const p0 = await runner.enqueue('job', 'p0', { priority: 'p0' });
    expect(await runner.depth('prio')).toEqual({ waiting: 21, running: 2 });
    // Free ONE slot: whatever the queue starts next must be the p0. (Freeing both at once would let p0 and
    // p2-0 be dequeued in the same poll, and their start order would then be a race.)
    g1.open();
    await waitFor('a queued job started', async () => started.length >= 1);
    expect(started[0]).toBe('p0');
    g2.open();
    await Promise.all([...blockers, ...p2, p0].map((h) => h.result({ timeoutMs: 30_000 })));
    const p0Status = await p0.status();
    const p2Starts = await Promise.all(p2.map(async (h) => (await h.status()).startedAt as number));
    expect(p0Status.priority).toBe('p0');
    expect(p0Status.startedAt).toBeLessThanOrEqual(Math.min(...p2Starts));
  });

  it('rejects beyond the admission limit at once, loses nothing queued, and admits again when room frees up', async () => {
    const g = gate();
    gates.set('hold-bp', g);
    const blocker = await runner.enqueue('block', 'hold-bp', { queue: 'bp' });
    await waitFor('bp slot busy', async () => (await runner.status(blocker.runId))?.state === 'running');
    const queued = [];
    for (let i = 0; i < 5; i++) queued.push(await runner.enqueue('job', `bp-${i}`, { queue: 'bp' }));
    const t0 = performance.now();
    const err = await runner.enqueue('job', 'bp-over', { queue: 'bp', runId: 'bp-rejected' }).catch((e: unknown) => e);
    expect(performance.now() - t0).toBeLessThan(1_000);
    expect(err).toBeInstanceOf(QueueFullError);
    expect(err).toMatchObject({ queue: 'bp', queued: 5, limit: 5 });
    expect(await runner.status('bp-rejected')).toBeUndefined();
    await runner.cancel((queued[4] as (typeof queued)[number]).runId);
    const late = await runner.enqueue('job', 'bp-late', { queue: 'bp' });
    g.open();
    const outputs = await Promise.all([blocker, ...queued.slice(0, 4), late].map((h) => h.result({ timeoutMs: 30_000 })));
    expect(outputs).toEqual(['hold-bp', 'bp-0', 'bp-1', 'bp-2', 'bp-3', 'bp-late']);
    await expect((queued[4] as (typeof queued)[number]).result()).rejects.toBeInstanceOf(RunCancelledError);
    const listed: RunInfo[] = await runner.list({ queue: 'bp', state: 'succeeded' });
    expect(listed).toHaveLength(6);
  });
});
