// The memory benchmark: put/get/append throughput per backend (SQLite, PostgreSQL, Redis, in-memory) and the
// per-step cost of a durable run journal, side by side in one run. Standalone:
// `node --expose-gc bench/memory.bench.ts` (after `npm run build`). Writes bench/results/memory.json.
// PostgreSQL and Redis come from FIREBREAK_TEST_POSTGRES_URL / FIREBREAK_TEST_REDIS_URL (default: local);
// an unreachable one is skipped and reported as such. FIREBREAK_BENCH_BACKENDS=sqlite,redis runs only those.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { openMemory } from '../dist/memory/index.js';
import type { DurableJournal, MemoryStore } from '../dist/memory/index.js';
import { run, sequence, step } from '../dist/index.js';

const PG = process.env.FIREBREAK_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const REDIS = process.env.FIREBREAK_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const tag = `bench${process.pid}`;
const dir = mkdtempSync(join(tmpdir(), 'firebreak-bench-'));
const gc = (globalThis as { gc?: () => void }).gc;
const logger = pino({ level: 'silent' });

interface Backend {
  name: string;
  url: string;
  /** Operations per measurement: network backends are latency-bound, so fewer. */
  ops: number;
}
const only = process.env.FIREBREAK_BENCH_BACKENDS?.split(',');
const allBackends: Backend[] = [
  { name: 'memory', url: 'memory:', ops: 20_000 },
  { name: 'sqlite', url: `sqlite:${join(dir, 'bench.db')}`, ops: 10_000 },
  { name: 'postgres', url: `${PG}?prefix=${tag}_`, ops: 1_000 },
  { name: 'redis', url: `${REDIS}?prefix=${tag}:`, ops: 2_000 },
];
const backends = allBackends.filter((b) => !only || only.includes(b.name));

const value = (i: number) => ({ summary: `connection pool exhausted on checkout-db, sample ${i}`, inUse: 10, p95Ms: 2500 });

async function opsPerSecond(count: number, op: (i: number) => Promise<unknown>): Promise<number> {
  gc?.();
  const started = performance.now();
  for (let i = 0; i < count; i++) await op(i);
  return (count / (performance.now() - started)) * 1000;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

async function measureStore(b: Backend, store: MemoryStore): Promise<Record<string, number>> {
  const ns = `${tag}-ops`;
  const batch = 100;
  await opsPerSecond(200, (i) => store.put(`${ns}-warm`, `k${i}`, value(i)));
  const put = await opsPerSecond(b.ops, (i) => store.put(ns, `k${i}`, value(i)));
  const get = await opsPerSecond(b.ops, (i) => store.get(ns, `k${i % b.ops}`));
  const append = await opsPerSecond(b.ops, (i) => store.append(ns, { type: 'tool.call', i }));
  const batches = Math.max(10, Math.floor((b.ops * 5) / batch));
  const events = Array.from({ length: batch }, (_, i) => ({ type: 'tool.call', i }));
  const appendMany = (await opsPerSecond(batches, () => store.appendMany(`${ns}-batch`, events))) * batch;
  const search = await opsPerSecond(Math.min(b.ops, 500), () => store.search(ns, 'pool exhausted sample', { limit: 10 }));
  return { put, get, append, appendManyEventsPerSec: appendMany, search };
}

// --- journal overhead: a 10-step workflow with and without a journal ----------------------------------------
const STEPS = 10;
const steps = Array.from({ length: STEPS }, (_, i) => step(`s${i}`, (n: number) => n + 1));
const workflow = sequence(steps[0]!, ...steps.slice(1));
let runCounter = 0;

async function usPerStep(runs: number, journal: DurableJournal | undefined): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < runs; i++) {
    const out = journal
      ? await run(workflow, 0, { journal, runId: `${tag}-${++runCounter}`, logger })
      : await run(workflow, 0, { logger });
    if (out !== STEPS) throw new Error(`workflow computed ${out}, expected ${STEPS}`);
  }
  return ((performance.now() - started) * 1000) / runs / STEPS;
}

/**
 * Rounds alternate "no journal" and "journaled" so that drift on a shared machine hits both alike; the
 * overhead is the difference of the medians. Every journaled run is a new runId (a fresh run, not a replay).
 */
async function journalOverhead(journal: DurableJournal, runs: number): Promise<{ plain: number; journaled: number; overhead: number; replay: number }> {
  await usPerStep(runs, journal);
  await usPerStep(runs * 5, undefined);
  const plain: number[] = [];
  const journaled: number[] = [];
  for (let r = 0; r < 7; r++) {
    plain.push(await usPerStep(runs, undefined));
    journaled.push(await usPerStep(runs, journal));
  }
  // Replaying a finished run: begin() loads its outputs, and every step's output comes from the journal.
  const replayId = `${tag}-replay`;
  await run(workflow, 0, { journal, runId: replayId, logger });
  const started = performance.now();
  for (let i = 0; i < runs; i++) await run(workflow, 0, { journal, runId: replayId, logger });
  const replay = ((performance.now() - started) * 1000) / runs / STEPS;
  const p = median(plain);
  const j = median(journaled);
  return { plain: p, journaled: j, overhead: j - p, replay };
}

// --- run everything ----------------------------------------------------------------------------------------
const results: Record<string, unknown> = {};
const skipped: Record<string, string> = {};
for (const b of backends) {
  let store: MemoryStore;
  try {
    store = await openMemory(b.url, { logger });
  } catch (err) {
    skipped[b.name] = err instanceof Error ? err.message : String(err);
    console.log(`skip ${b.name}: ${skipped[b.name]}`);
    continue;
  }
  try {
    process.stderr.write(`measuring ${b.name}…\n`);
    const ops = await measureStore(b, store);
    const runs = b.name === 'memory' ? 5000 : b.name === 'sqlite' ? 2000 : 100;
    const journal = await journalOverhead(store.journal(), runs);
    results[b.name] = { opsPerSec: ops, journalUsPerStep: journal };
  } finally {
    await cleanup(b, store);
  }
}
rmSync(dir, { recursive: true, force: true });

async function cleanup(b: Backend, store: MemoryStore): Promise<void> {
  await store.close();
  if (b.name === 'postgres') {
    const pg = (await import('pg')).default;
    const client = new pg.Client({ connectionString: PG });
    await client.connect();
    const { rows } = await client.query<{ t: string }>(`SELECT tablename AS t FROM pg_tables WHERE starts_with(tablename, $1)`, [`${tag}_`]);
    for (const { t } of rows) await client.query(`DROP TABLE IF EXISTS "${t}"`);
    await client.end();
  } else if (b.name === 'redis') {
    const { Redis } = await import('ioredis');
    const client = new Redis(REDIS);
    const keys = await client.keys(`${tag}:*`);
    for (let i = 0; i < keys.length; i += 500) await client.del(...keys.slice(i, i + 500));
    client.disconnect();
  }
}

// --- report ------------------------------------------------------------------------------------------------
type Row = { opsPerSec: Record<string, number>; journalUsPerStep: { plain: number; journaled: number; overhead: number; replay: number } };
const rows = results as Record<string, Row>;
const fmt = (n: number | undefined): string => (n === undefined ? '-' : n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(1));
const cols = ['put', 'get', 'append', 'appendManyEventsPerSec', 'search'];
console.log(`\nnode ${process.version}; ops per second, sequential awaits (appendMany: events/s in batches of 100)`);
console.log('backend'.padEnd(10) + cols.map((c) => (c === 'appendManyEventsPerSec' ? 'appendMany' : c).padStart(13)).join(''));
for (const [name, r] of Object.entries(rows)) console.log(name.padEnd(10) + cols.map((c) => fmt(r.opsPerSec[c]).padStart(13)).join(''));
console.log(`\njournal, ${STEPS}-step workflow, us per step (median of 7 rounds)`);
console.log('backend'.padEnd(10) + ['no journal', 'journaled', 'overhead', 'replay'].map((c) => c.padStart(13)).join(''));
for (const [name, r] of Object.entries(rows)) {
  const j = r.journalUsPerStep;
  console.log(name.padEnd(10) + [j.plain, j.journaled, j.overhead, j.replay].map((v) => v.toFixed(1).padStart(13)).join(''));
}
for (const [name, reason] of Object.entries(skipped)) console.log(`(${name} skipped: ${reason})`);

const sqlite = rows.sqlite;
const targets = sqlite ? [
  { target: 'SQLite append >= 20,000 events/s batched', ok: sqlite.opsPerSec.appendManyEventsPerSec! >= 20_000, value: fmt(sqlite.opsPerSec.appendManyEventsPerSec) },
  { target: 'SQLite append >= 5,000 events/s unbatched', ok: sqlite.opsPerSec.append! >= 5_000, value: fmt(sqlite.opsPerSec.append) },
  { target: 'SQLite journal overhead <= 50 us per step', ok: sqlite.journalUsPerStep.overhead <= 50, value: `${sqlite.journalUsPerStep.overhead.toFixed(1)} us` },
] : [];
console.log('\ntargets:');
for (const t of targets) console.log(`  ${t.ok ? 'PASS' : 'FAIL'}  ${t.target.padEnd(44)} ${t.value}`);

const resultsDir = new URL('./results/', import.meta.url);
mkdirSync(resultsDir, { recursive: true });
writeFileSync(new URL('memory.json', resultsDir), JSON.stringify({
  node: process.version,
  date: new Date().toISOString(),
  stepsPerRun: STEPS,
  backends: results,
  skipped,
  targets,
}, null, 2) + '\n');
