// The approvals benchmark: how long a workflow waiting at the approval gate takes to see a decision made in
// another process, per memory backend (SQLite: polled signals; PostgreSQL: LISTEN/NOTIFY; Redis: pub/sub).
// Standalone: `node bench/approvals.bench.ts` (after `npm run build`). Writes bench/results/approvals.json.
// The waiter is this file run as a child process (`approvals.bench.ts waiter URL ROUNDS`): it runs ROUNDS gated
// deploys in sequence and prints, for each decision, when the decider recorded it and when the waiter saw it
// (one machine, one clock). The decider is this process, on its own connection, 200-400 ms after each request. PostgreSQL and Redis come
// from FIREBREAK_TEST_POSTGRES_URL / FIREBREAK_TEST_REDIS_URL; an unreachable one is skipped.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { ApprovalBroker, gateTools, openMemory, run, step } from '../dist/index.js';
import type { ToolSet } from '../dist/index.js';

const logger = pino({ level: 'silent' });

if (process.argv[2] === 'waiter') {
  const [url, rounds] = [process.argv[3]!, Number(process.argv[4])];
  const store = await openMemory(url, { logger });
  const broker = new ApprovalBroker({ store, timeoutMs: 120_000 });
  const say = (e: object): void => void process.stdout.write(`${JSON.stringify(e)}\n`);
  broker.on('requested', (req: { id: string }) => say({ event: 'requested', id: req.id }));
  broker.on('decided', (_req: unknown, d: { at: string }) => say({ event: 'decided', decidedAt: Date.parse(d.at), seenAt: Date.now() }));
  const tools: ToolSet = {
    list: () => [{ name: 'deploy.deploy_service', description: 'deploy', inputSchema: { type: 'object' } }],
    call: async () => ({ content: [{ type: 'text', text: 'deployed' }] }),
  };
  const gated = gateTools(tools, { policy: 'require', approver: broker });
  for (let i = 0; i < rounds; i++) {
    await run(step('deploy', (_: unknown, ctx) => gated.call('deploy.deploy_service', { ref: `r${i}` }, { ctx })), undefined, { runId: 'inc-bench', logger });
  }
  await store.close();
  process.exit(0);
}

const PG = process.env.FIREBREAK_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const REDIS = process.env.FIREBREAK_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const ROUNDS = Number(process.env.FIREBREAK_BENCH_APPROVAL_ROUNDS ?? 40);
const tag = `benchapr${process.pid}`;
const dir = mkdtempSync(join(tmpdir(), 'firebreak-bench-approvals-'));
const backends = [
  { name: 'sqlite', url: `sqlite:${join(dir, 'bench.db')}` },
  { name: 'postgres', url: `${PG}?prefix=${tag}_` },
  { name: 'redis', url: `${REDIS}?prefix=${tag}:` },
];

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

/** One backend: a waiter process, and decisions from here as soon as each request appears. */
async function measure(url: string): Promise<{ seenMs: number[]; decideMs: number[] }> {
  const store = await openMemory(url, { logger });
  const decider = new ApprovalBroker({ store });
  const child = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', fileURLToPath(import.meta.url), 'waiter', url, String(ROUNDS)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const seenMs: number[] = [];
  const decideMs: number[] = [];
  try {
    for await (const line of createInterface({ input: child.stdout })) {
      const e = JSON.parse(line) as { event: string; id?: string; decidedAt?: number; seenAt?: number };
      if (e.event === 'requested') {
        // A human takes a while: decide once the waiter is well into its wait (not while it is still
        // subscribing, when its first read would find the decision already there).
        await new Promise((r) => setTimeout(r, 200 + Math.random() * 200));
        const started = performance.now();
        const result = await decider.decide(e.id!, { approved: true, by: 'bench' }, { runId: 'inc-bench' });
        decideMs.push(performance.now() - started);
        if (result.status !== 'decided') throw new Error(`decision refused: ${result.status}`);
      } else if (e.event === 'decided') {
        seenMs.push(e.seenAt! - e.decidedAt!);
      }
    }
    const code = await new Promise<number | null>((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', resolve)));
    if (code !== 0) throw new Error(`the waiter exited ${code}`);
  } finally {
    child.kill();
    await store.close();
  }
  return { seenMs, decideMs };
}

const results: Record<string, unknown> = {};
const skipped: Record<string, string> = {};
for (const b of backends) {
  try {
    const { seenMs, decideMs } = await measure(b.url);
    results[b.name] = {
      rounds: seenMs.length,
      seenMs: { p50: percentile(seenMs, 50), p95: percentile(seenMs, 95), max: Math.max(...seenMs) },
      decideMs: { p50: +percentile(decideMs, 50).toFixed(1), p95: +percentile(decideMs, 95).toFixed(1) },
    };
  } catch (err) {
    skipped[b.name] = (err as Error).message;
  }
}
if (!results.sqlite) throw new Error(`the SQLite measurement failed: ${skipped.sqlite}`);
// Tables and keys of the bench prefix.
try {
  const pg = (await import('pg')).default;
  const client = new pg.Client({ connectionString: PG });
  await client.connect();
  const { rows } = await client.query<{ tablename: string }>('SELECT tablename FROM pg_tables WHERE starts_with(tablename, $1)', [`${tag}_`]);
  for (const r of rows) await client.query(`DROP TABLE IF EXISTS "${r.tablename}" CASCADE`);
  await client.end();
} catch { /* PostgreSQL unreachable: nothing was created */ }
try {
  const { Redis } = await import('ioredis');
  const redis = new Redis(REDIS, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  const keys = await redis.keys(`${tag}:*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
} catch { /* Redis unreachable */ }
rmSync(dir, { recursive: true, force: true });

console.log(`\nnode ${process.version}; decision in this process -> the waiting workflow in another process sees it (ms), ${ROUNDS} rounds`);
console.log('backend'.padEnd(10) + ['seen p50', 'seen p95', 'seen max', 'decide p50', 'decide p95'].map((c) => c.padStart(12)).join(''));
for (const [name, r] of Object.entries(results) as [string, { seenMs: Record<string, number>; decideMs: Record<string, number> }][]) {
  console.log(name.padEnd(10) + [r.seenMs.p50, r.seenMs.p95, r.seenMs.max, r.decideMs.p50, r.decideMs.p95].map((v) => String(v).padStart(12)).join(''));
}
for (const [name, reason] of Object.entries(skipped)) console.log(`(${name} skipped: ${reason})`);
const targets = Object.entries(results).map(([name, r]) => ({ target: `${name}: a decision is seen within 1 s (p95)`, ok: (r as { seenMs: { p95: number } }).seenMs.p95 < 1000 }));
console.log('\ntargets:');
for (const t of targets) console.log(`  ${t.ok ? 'PASS' : 'FAIL'}  ${t.target}`);
const resultsDir = new URL('./results/', import.meta.url);
mkdirSync(resultsDir, { recursive: true });
writeFileSync(new URL('approvals.json', resultsDir), JSON.stringify({ node: process.version, rounds: ROUNDS, backends: results, skipped, targets }, null, 2) + '\n');
if (targets.some((t) => !t.ok)) process.exit(1);
