import { spawnSync } from 'node:child_process';
import pg from 'pg';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sleep } from '../../src/primitives/index.js';
import { DbosRunner, loadWorkflowModules, type RunInfo } from '../../src/runners/index.js';
import { createTestDatabase, postgresOrSkip, type TestDatabase } from './helpers/postgres.js';
import { CLI, EFFECT_WORKFLOWS, killWorker, startWorker, type WorkerProcess } from './helpers/workers.js';

const available = await postgresOrSkip('dbos-workers');
const logger = pino({ level: 'silent' });
type Trail = { n: number; trail: string[] };

// Fast polls and a short liveness window keep the test quick; production defaults are 1 s / 5 s / 30 s.
const FLAGS = ['--concurrency', '3', '--poll-ms', '50', '--heartbeat-ms', '250', '--dead-after-ms', '3000'];

describe.skipIf(!available)('DBOS workers in separate processes sharing one PostgreSQL', () => {
  let db: TestDatabase;
  let sql: pg.Client;
  let runner: DbosRunner;
  const workers: WorkerProcess[] = [];

  const spawnWorker = (id: string, flags = FLAGS): WorkerProcess => {
    const w = startWorker(db.url, id, flags, { FIREBREAK_TEST_STEP_MS: '150' });
    workers.push(w);
    return w;
  };
  const rows = async <T extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<T[]> => (await sql.query<T>(text, values)).rows;
  /** Runs with at least `minSteps` executions by `worker` and not yet finished. */
  const inFlightOn = async (worker: string, prefix: string, minSteps: number): Promise<string[]> =>
    (await rows<{ run_id: string }>(
      `SELECT run_id FROM fx.attempts WHERE worker LIKE $1 AND run_id LIKE $2 GROUP BY run_id HAVING count(*) >= $3 AND max(step) < 5`,
      [`${worker}:%`, `${prefix}%`, minSteps],
    )).map((r) => r.run_id);

  beforeAll(async () => {
    db = await createTestDatabase();
    sql = new pg.Client({ connectionString: db.url });
    await sql.connect();
    await sql.query(`CREATE SCHEMA fx;
      CREATE TABLE fx.effects (key text PRIMARY KEY, run_id text NOT NULL, step int NOT NULL, worker text NOT NULL);
      CREATE TABLE fx.attempts (id serial PRIMARY KEY, run_id text NOT NULL, step int NOT NULL, worker text NOT NULL)`);
    runner = await DbosRunner.connect({ kind: 'dbos', database: db.url }, await loadWorkflowModules([EFFECT_WORKFLOWS]), { logger });
  }, 60_000);

  afterAll(async () => {
    await Promise.all(workers.map((w) => killWorker(w)));
    await runner?.close();
    await sql?.end();
    await db?.drop();
  }, 60_000);

  it('completes 30 runs exactly once across 3 workers when one is SIGKILLed mid-run', async () => {
    const [w1, w2, w3] = ['w1', 'w2', 'w3'].map((id) => spawnWorker(id)) as [WorkerProcess, WorkerProcess, WorkerProcess];
    await Promise.all([w1.ready, w2.ready, w3.ready]);
    const handles = [];
    for (let i = 0; i < 30; i++) handles.push(await runner.enqueue('effects', { n: 0, trail: [] }, { runId: `run-${i}` }));

    // Kill w2 while it is part-way through some runs (at least two steps of one of them recorded).
    const deadline = Date.now() + 30_000;
    while ((await inFlightOn('w2', 'run-', 2)).length === 0) {
      if (Date.now() > deadline) throw new Error('w2 never got a run in flight');
      await sleep(20);
    }
    await killWorker(w2, 'SIGKILL');
    const orphaned = (await runner.list({ state: 'running', limit: 100 })).filter((s) => s.executor === 'w2').map((s) => s.runId);
    expect(orphaned.length).toBeGreaterThan(0);

    const outputs = await Promise.all(handles.map(async (h) => (await h.result({ timeoutMs: 90_000 })) as Trail));
    expect(outputs.every((o) => o.n === 5)).toBe(true);

    // Exactly-once effects: one row per (run, step), keyed by ctx.idempotencyKey.
    expect(await rows('SELECT count(*)::int AS n, count(DISTINCT (run_id, step))::int AS d FROM fx.effects')).toEqual([{ n: 150, d: 150 }]);
    // Re-executions: only an orphaned run's in-flight step may run twice; its recorded steps were replayed.
    const repeated = await rows<{ run_id: string; step: number }>('SELECT run_id, step FROM fx.attempts GROUP BY run_id, step HAVING count(*) > 1');
    for (const r of repeated) expect(orphaned).toContain(r.run_id);
    expect(new Set(repeated.map((r) => r.run_id)).size).toBe(repeated.length);

    // Each orphan was finished by a surviving worker, which picked up after w2's recorded steps: its trail is
    // w2's recorded steps (possibly none, for a run w2 had only just taken) followed by survivors' only.
    const statuses: RunInfo[] = await Promise.all(orphaned.map(async (id) => (await runner.handle(id).status())));
    let resumedMidway = 0;
    for (const status of statuses) {
      expect(status.state).toBe('succeeded');
      expect(['w1', 'w3']).toContain(status.executor);
      expect(status.attempts).toBeGreaterThanOrEqual(2);
      const trail = (status.output as Trail).trail;
      const firstSurvivor = trail.findIndex((w) => !w.startsWith('w2:'));
      expect(trail.slice(firstSurvivor).every((w) => !w.startsWith('w2:'))).toBe(true);
      if (firstSurvivor > 0) resumedMidway++;
    }
    expect(resumedMidway).toBeGreaterThan(0);
    expect(await w2.exited).toEqual({ code: null, signal: 'SIGKILL' });

    // The survivors drain and stop cleanly on SIGTERM.
    const stopped = await Promise.all([killWorker(w1, 'SIGTERM'), killWorker(w3, 'SIGTERM')]);
    expect(stopped).toEqual([{ code: 0, signal: null }, { code: 0, signal: null }]);
    expect(w1.stdout.some((l) => l.includes('"worker.stopped"'))).toBe(true);
  }, 150_000);

  it('a worker restarted with the same id resumes its interrupted runs at once, and a duplicate id is refused', async () => {
    const slow = ['--concurrency', '3', '--poll-ms', '50', '--heartbeat-ms', '250', '--dead-after-ms', '60000'];
    const first = spawnWorker('solo', slow);
    const { pid: firstPid } = await first.ready;
    const handles = [];
    for (let i = 0; i < 6; i++) handles.push(await runner.enqueue('effects', { n: 0, trail: [] }, { runId: `solo-${i}` }));

    const deadline = Date.now() + 30_000;
    while ((await inFlightOn('solo', 'solo-', 2)).length === 0) {
      if (Date.now() > deadline) {
        const seen = (await runner.list({ limit: 10 })).map((r) => `${r.runId}:${r.state}:${r.executor}`);
        throw new Error(`solo never got a run in flight; runs: ${seen.join(', ')}; solo stderr: ${first.stderr.join('').slice(-1500)}`);
      }
      await sleep(20);
    }
    await killWorker(first, 'SIGKILL');
    const restartedAt = Date.now();
    const second = spawnWorker('solo', slow);
    const { pid: secondPid } = await second.ready;
    const outputs = await Promise.all(handles.map(async (h) => (await h.result({ timeoutMs: 30_000 })) as Trail));
    // Well inside the 60 s dead-worker window: DBOS's own recovery of this executor id did it, not a peer.
    expect(Date.now() - restartedAt).toBeLessThan(30_000);
    const resumed = outputs.filter((o) => o.trail.some((w) => w.endsWith(`:${firstPid}`)) && o.trail.some((w) => w.endsWith(`:${secondPid}`)));
    expect(resumed.length).toBeGreaterThan(0);
    expect(await rows(`SELECT count(*)::int AS n FROM fx.effects WHERE run_id LIKE 'solo-%'`)).toEqual([{ n: 30 }]);

    const twin = spawnWorker('solo', slow);
    await expect(twin.ready).rejects.toThrow(/executor id 'solo' is in use by a live worker/);
    expect((await twin.exited).code).toBe(1);
    await killWorker(second, 'SIGTERM');
  }, 120_000);

  it('explains bad command lines', () => {
    const local = spawnSync(process.execPath, [CLI, 'worker', '--runner', 'local'], { encoding: 'utf8' });
    expect(local.status).toBe(2);
    expect(local.stderr).toMatch(/--runner must be 'dbos'/);
    const noDb = spawnSync(process.execPath, [CLI, 'worker', '--runner', 'dbos'], { encoding: 'utf8', env: { ...process.env, FIREBREAK_DATABASE_URL: '' } });
    expect(noDb.stderr).toMatch(/--database URL/);
    expect(noDb.status).toBe(2);
    const badConcurrency = spawnSync(process.execPath, [CLI, 'worker', '--runner', 'dbos', '--database', 'postgres://x/y', '--workflows', EFFECT_WORKFLOWS, '--concurrency', '0'], { encoding: 'utf8' });
    expect(badConcurrency.status).toBe(2);
    expect(badConcurrency.stderr).toMatch(/--concurrency must be a positive integer/);
  });
});
