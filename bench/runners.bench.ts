// Runner benchmark: throughput of a 5-step workflow on 1, 2 and 4 DBOS worker processes sharing one
// PostgreSQL, and the per-step cost of the DBOS runner (each journaled step is a DBOS step) against the local
// runner. Standalone: `node bench/runners.bench.ts` (after `npm run build`); writes bench/results/runners.json.
// This file is also the workflow module the worker processes load (`--workflows bench/runners.bench.ts`), so
// the benchmark itself runs only when it is the entry point.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { DBOS } from '@dbos-inc/dbos-sdk';
import pg from 'pg';
import { pino } from 'pino';
import { sequence, step } from '../dist/primitives/index.js';
import type { AnyStep, Context } from '../dist/primitives/index.js';
import { DbosRunner, DbosWorker, LocalRunner, WorkflowRegistry } from '../dist/runners/index.js';

const SERVER = process.env.FIREBREAK_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432';
const THROUGHPUT_RUNS = 200;
const LONG_CHAIN = 21;

/** When the first and the last step of a run started (in-process runs only): per-step time without queueing. */
const marks = new Map<string, { first: number; last: number }>();

function chain(length: number): AnyStep {
  const steps = Array.from({ length }, (_, i) => step(`s${i + 1}`, async (n: number, ctx: Context) => {
    if (i === 0) marks.set(ctx.runId, { first: performance.now(), last: Number.NaN });
    if (i === length - 1) {
      const m = marks.get(ctx.runId);
      if (m) m.last = performance.now();
    }
    return n + 1;
  }));
  return (sequence as (...s: AnyStep[]) => AnyStep)(...steps);
}

export const registry = new WorkflowRegistry();
registry.define('bench-5', chain(5), { queue: 'bench' });
registry.define('bench-long', chain(LONG_CHAIN), { queue: 'latency' });
registry.define('bench-1', chain(1), { queue: 'latency' });

const logger = pino({ level: 'silent' });
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
const round = (x: number, digits = 1): number => Math.round(x * 10 ** digits) / 10 ** digits;

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: `${SERVER}/postgres`, connectionTimeoutMillis: 2_000 });
  c.on('error', () => undefined);
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

async function withDatabase<T>(fn: (url: string) => Promise<T>): Promise<T> {
  const name = `firebreak_dbos_bench_${randomBytes(5).toString('hex')}`;
  await admin((c) => c.query(`CREATE DATABASE ${name}`));
  try {
    return await fn(`${SERVER}/${name}`);
  } finally {
    await admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
  }
}

function startWorker(url: string, id: string): { child: ChildProcess; ready: Promise<void> } {
  const cli = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
  const child = spawn(process.execPath, [cli, 'worker', '--runner', 'dbos', '--database', url, '--workflows', fileURLToPath(import.meta.url),
    '--worker-id', id, '--queues', 'bench', '--concurrency', '8', '--poll-ms', '20'], {
    stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, NODE_NO_WARNINGS: '1' },
  });
  const ready = new Promise<void>((res, rej) => {
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      if (line.includes('"worker.ready"')) res();
    });
    child.once('exit', (code) => rej(new Error(`worker ${id} exited with ${code} before ready`)));
  });
  return { child, ready };
}

async function throughput(workers: number): Promise<{ workers: number; runs: number; seconds: number; workflowsPerSec: number; enqueuePerSec: number }> {
  return withDatabase(async (url) => {
    const procs = Array.from({ length: workers }, (_, i) => startWorker(url, `bench-w${i + 1}`));
    try {
      await Promise.all(procs.map((p) => p.ready));
      const runner = await DbosRunner.connect({ kind: 'dbos', database: url }, registry, { logger });
      const sql = new pg.Client({ connectionString: url });
      await sql.connect();
      try {
        const t0 = Date.now();
        let next = 0;
        // Eight concurrent submitters: enqueueing must outpace execution or it would be what we measure.
        await Promise.all(Array.from({ length: 8 }, async () => {
          while (next < THROUGHPUT_RUNS) {
            next++;
            await runner.enqueue('bench-5', 0);
          }
        }));
        const enqueued = Date.now();
        for (;;) {
          const { rows } = await sql.query<{ done: number; failed: number; last: string | null }>(
            `SELECT count(*) FILTER (WHERE status = 'SUCCESS')::int AS done, count(*) FILTER (WHERE status = 'ERROR')::int AS failed,
                    max(completed_at)::text AS last FROM dbos.workflow_status WHERE queue_name = 'bench'`);
          const row = rows[0] as { done: number; failed: number; last: string | null };
          if (row.failed > 0) throw new Error(`${row.failed} benchmark runs failed`);
          if (row.done === THROUGHPUT_RUNS) {
            const seconds = (Number(row.last) - t0) / 1000;
            return { workers, runs: THROUGHPUT_RUNS, seconds: round(seconds, 2), workflowsPerSec: round(THROUGHPUT_RUNS / seconds), enqueuePerSec: round(THROUGHPUT_RUNS / ((enqueued - t0) / 1000)) };
          }
          if (Date.now() - t0 > 180_000) throw new Error(`only ${row.done} of ${THROUGHPUT_RUNS} runs finished in 180 s`);
          await new Promise((r) => setTimeout(r, 50));
        }
      } finally {
        await sql.end();
        await runner.close();
      }
    } finally {
      await Promise.all(procs.map((p) => new Promise<void>((res) => {
        if (p.child.exitCode !== null) return res();
        p.child.once('exit', () => res());
        p.child.kill('SIGTERM');
      })));
    }
  });
}

/** Median latency of a one-row autocommit INSERT: the floor under every DBOS checkpoint on this machine. */
async function commitLatencyMs(): Promise<number> {
  return withDatabase(async (url) => {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try {
      await c.query('CREATE TABLE commit_probe (x int)');
      const times: number[] = [];
      for (let i = 0; i < 50; i++) {
        const t0 = performance.now();
        await c.query('INSERT INTO commit_probe VALUES (1)');
        times.push(performance.now() - t0);
      }
      return median(times);
    } finally {
      await c.end();
    }
  });
}

async function perStepLocal(runs: number): Promise<number> {
  const local = new LocalRunner(registry, { logger });
  const perStep: number[] = [];
  for (let i = 0; i < runs; i++) {
    const h = await local.enqueue('bench-long', 0);
    await h.result();
    const m = marks.get(h.runId);
    if (m) perStep.push((m.last - m.first) / (LONG_CHAIN - 1));
  }
  await local.close();
  return median(perStep);
}

async function dbosInProcess(runs: number): Promise<{ perStepMs: number; oneStepLatencyMs: number; rawRunStepMs: number }> {
  return withDatabase(async (url) => {
    // The same number of bare DBOS.runStep calls, without firebreak: what DBOS itself costs per step here.
    const raw: number[] = [];
    const bare = DBOS.registerWorkflow(async () => {
      const t0 = performance.now();
      for (let i = 0; i < LONG_CHAIN - 1; i++) await DBOS.runStep(async () => i, { name: `raw-${i}` });
      raw.push((performance.now() - t0) / (LONG_CHAIN - 1));
    }, { name: 'bench-raw-dbos' });
    const worker = await DbosWorker.start({
      kind: 'dbos', database: url, executorId: 'bench-latency', listenQueues: ['latency'],
      queues: { latency: { workerConcurrency: 1, pollIntervalMs: 20 } },
    }, registry, { logger });
    try {
      const perStep: number[] = [];
      const latency: number[] = [];
      for (let i = 0; i < runs; i++) {
        const h = await worker.runner.enqueue('bench-long', 0);
        await h.result({ pollIntervalMs: 5 });
        const m = marks.get(h.runId);
        if (m) perStep.push((m.last - m.first) / (LONG_CHAIN - 1));
        const t0 = performance.now();
        await (await worker.runner.enqueue('bench-1', 0)).result({ pollIntervalMs: 5 });
        latency.push(performance.now() - t0);
        await (await DBOS.startWorkflow(bare)()).getResult();
      }
      return { perStepMs: median(perStep), oneStepLatencyMs: median(latency), rawRunStepMs: median(raw) };
    } finally {
      await worker.stop({ drainMs: 5_000 });
    }
  });
}

async function main(): Promise<void> {
  try {
    await admin((c) => c.query('SELECT 1'));
  } catch {
    process.stdout.write(`runners bench SKIPPED: PostgreSQL unreachable at ${SERVER}\n`);
    return;
  }
  const progress = (msg: string): boolean => process.stderr.write(`[runners bench] ${msg}\n`);
  const load = loadavg()[0] ?? 0;
  progress('PostgreSQL commit latency');
  const commitMs = await commitLatencyMs();
  progress('per-step cost, local runner');
  const localMs = await perStepLocal(300);
  progress('per-step cost and latency, DBOS runner (in-process worker)');
  const dbos = await dbosInProcess(20);
  const rows = [];
  for (const workers of [1, 2, 4]) {
    progress(`throughput with ${workers} worker process(es)`);
    rows.push(await throughput(workers));
  }
  const result = {
    benchmark: 'runners',
    at: new Date().toISOString(),
    machine: { cpus: cpus().length, node: process.version, loadAverage1m: round(load, 2), postgresCommitMs: round(commitMs, 2) },
    workflow: '5 trivial steps (n + 1), DBOS queue with per-worker concurrency 8, poll 20 ms',
    throughput: rows,
    perStep: {
      localUs: round(localMs * 1000),
      dbosUs: round(dbos.perStepMs * 1000),
      overheadUs: round((dbos.perStepMs - localMs) * 1000),
      bareDbosRunStepUs: round(dbos.rawRunStepMs * 1000),
      method: `median over runs of (start of step ${LONG_CHAIN} - start of step 1) / ${LONG_CHAIN - 1}, one run at a time`,
    },
    dbosOneStepSubmitToResultMs: round(dbos.oneStepLatencyMs),
    notes: [
      `${cpus().length} cores shared by PostgreSQL, every worker and the submitter: more workers than cores adds contention, not capacity, so 4 workers cannot beat 2 here.`,
      `Each journaled step costs three system-database round trips (cancellation check, checkpoint lookup, checkpoint write) and one durable commit (${round(commitMs, 2)} ms median here, fsync on); the DBOS per-step overhead is that, not CPU. Mark cheap, repeatable steps durable: false to skip it.`,
      `The 1-minute load average was ${round(load, 2)} on ${cpus().length} cores when the run started (other work shares this machine): absolute numbers are pessimistic, compare rows with each other.`,
      'On separate machines sharing one PostgreSQL, throughput grows with workers until the database (connections, WAL, the queue table) saturates; see docs/scaling.md.',
    ],
  };
  const table = [
    '| workers | runs | seconds | workflows/s | enqueue/s |',
    '| ---: | ---: | ---: | ---: | ---: |',
    ...rows.map((r) => `| ${r.workers} | ${r.runs} | ${r.seconds} | ${r.workflowsPerSec} | ${r.enqueuePerSec} |`),
    '',
    `PostgreSQL commit ${result.machine.postgresCommitMs} ms, load average ${result.machine.loadAverage1m}; per step: local ${result.perStep.localUs} us, DBOS ${result.perStep.dbosUs} us (overhead ${result.perStep.overheadUs} us; a bare DBOS.runStep costs ${result.perStep.bareDbosRunStepUs} us); 1-step submit-to-result on DBOS: ${result.dbosOneStepSubmitToResultMs} ms`,
  ].join('\n');
  process.stdout.write(table + '\n');
  const dir = fileURLToPath(new URL('./results/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  writeFileSync(`${dir}runners.json`, JSON.stringify(result, null, 2) + '\n');
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().then(() => process.exit(0), (err: unknown) => {
    process.stderr.write(`runners bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
}
