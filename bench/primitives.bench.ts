// The primitives benchmark: what does firebreak's runner and its resilience wrappers cost per step, side by
// side with a raw async chain, cockatiel and LangGraph.js, in one process and the same run. Standalone:
// `node --expose-gc bench/primitives.bench.ts` (after `npm run build`). Writes bench/results/primitives.json.
import { writeFileSync, mkdirSync } from 'node:fs';
import { ConsecutiveBreaker, TimeoutStrategy, circuitBreaker as cbPolicy, handleAll, retry as cbRetry, timeout as cbTimeout, wrap } from 'cockatiel';
import { Annotation, END, START, StateGraph } from '@langchain/langgraph';
import { CircuitBreaker, backoff, circuitBreaker, retry, run, sequence, step, timeout } from '../dist/index.js';

const STEPS = 10;
const gc = (globalThis as { gc?: () => void }).gc;

// --- the cases -------------------------------------------------------------------------------------------
const fns = Array.from({ length: STEPS }, () => async (n: number): Promise<number> => n + 1);

async function rawChain(input: number): Promise<number> {
  let v = input;
  for (let i = 0; i < STEPS; i++) v = await fns[i]!(v);
  return v;
}

const plainSteps = fns.map((fn, i) => step(`s${i}`, fn));
const plainSequence = sequence(plainSteps[0]!, ...plainSteps.slice(1));

const guardedSteps = fns.map((fn, i) => retry(
  timeout(circuitBreaker(step(`g${i}`, fn), new CircuitBreaker({ name: `dep${i}`, failureThreshold: 5, halfOpenAfterMs: 10_000 })), 1_000),
  { attempts: 3, backoff: backoff.exponential({ initialMs: 10, maxMs: 1_000 }) },
));
const guardedSequence = sequence(guardedSteps[0]!, ...guardedSteps.slice(1));

// The same wrapping with cockatiel: retry(timeout(breaker(fn))), an aggressive timeout to match ours
// (which rejects at the deadline even if the work ignores its signal).
const cockatielPolicies = fns.map(() => wrap(
  cbRetry(handleAll, { maxAttempts: 2 }),
  cbTimeout(1_000, TimeoutStrategy.Aggressive),
  cbPolicy(handleAll, { halfOpenAfter: 10_000, breaker: new ConsecutiveBreaker(5) }),
));
async function cockatielChain(input: number): Promise<number> {
  let v = input;
  for (let i = 0; i < STEPS; i++) {
    const fn = fns[i]!;
    const current = v;
    v = await cockatielPolicies[i]!.execute(() => fn(current));
  }
  return v;
}

const State = Annotation.Root({ v: Annotation<number>() });
// LangGraph's builder types track node names literally; a loop-built graph is typed loosely on purpose.
let builder = new StateGraph(State) as unknown as {
  addNode(name: string, fn: (s: { v: number }) => Promise<{ v: number }>): typeof builder;
  addEdge(from: string, to: string): typeof builder;
  compile(): { invoke(input: { v: number }): Promise<{ v: number }> };
};
for (let i = 0; i < STEPS; i++) builder = builder.addNode(`n${i}`, async (s) => ({ v: s.v + 1 }));
builder = builder.addEdge(START, 'n0');
for (let i = 1; i < STEPS; i++) builder = builder.addEdge(`n${i - 1}`, `n${i}`);
builder = builder.addEdge(`n${STEPS - 1}`, END);
const graph = builder.compile();

interface Case {
  key: string;
  label: string;
  once: () => Promise<unknown>;
  /** Sequential executions per round; fewer for slow cases so every round takes similar time. */
  iterations: number;
}

const cases: Case[] = [
  { key: 'raw', label: '(a) raw chain of 10 async functions', once: () => rawChain(0), iterations: 20_000 },
  { key: 'sequence', label: '(b) run(sequence(10 steps))', once: () => run(plainSequence, 0), iterations: 20_000 },
  { key: 'guarded', label: '(c) 10 x retry+timeout+circuitBreaker', once: () => run(guardedSequence, 0), iterations: 5_000 },
  { key: 'cockatiel', label: '(d) same wrapping with cockatiel', once: () => cockatielChain(0), iterations: 5_000 },
  { key: 'langgraph', label: '(e) LangGraph.js 10-node linear graph', once: () => graph.invoke({ v: 0 }), iterations: 200 },
];

async function timeRound(c: Case): Promise<number> {
  const started = process.hrtime.bigint();
  for (let i = 0; i < c.iterations; i++) await c.once();
  return Number(process.hrtime.bigint() - started) / c.iterations / STEPS; // ns per step
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

// --- correctness first: every case computes the same thing -------------------------------------------------
for (const c of cases) {
  const out = await c.once();
  const v = typeof out === 'number' ? out : (out as { v: number }).v;
  if (v !== STEPS) throw new Error(`${c.key} computed ${v}, expected ${STEPS}`);
}

// --- warm up, then interleaved rounds so drift on a shared machine hits every case alike --------------------
const ROUNDS = 7;
for (const c of cases) for (let i = 0; i < 2; i++) await timeRound(c);
const samples = new Map<string, number[]>(cases.map((c) => [c.key, []]));
for (let r = 0; r < ROUNDS; r++) {
  for (const c of cases) {
    gc?.();
    samples.get(c.key)!.push(await timeRound(c));
  }
}
const ns = Object.fromEntries(cases.map((c) => [c.key, median(samples.get(c.key)!)])) as Record<string, number>;

// --- heap: 10,000 concurrent runs of a 3-step sequence, every step awaiting a 50 ms timer --------------------
async function heapOfConcurrentRuns(count: number): Promise<number> {
  const wait = (n: number): Promise<number> => new Promise((r) => setTimeout(() => r(n + 1), 50));
  const seq3 = sequence(step('detect', wait), step('diagnose', wait), step('fix', wait));
  await Promise.all(Array.from({ length: 100 }, (_, i) => run(seq3, i))); // warm up
  gc?.();
  const before = process.memoryUsage().heapUsed;
  const all = Array.from({ length: count }, (_, i) => run(seq3, i));
  await new Promise((r) => setTimeout(r, 25)); // every run is now inside its first 50 ms wait
  gc?.();
  const during = process.memoryUsage().heapUsed;
  const results = await Promise.all(all);
  if (results.length !== count || results[count - 1] !== count - 1 + 3) throw new Error('heap case computed the wrong result');
  return during - before;
}
const heapBytes = await heapOfConcurrentRuns(10_000);

// --- report ----------------------------------------------------------------------------------------------
const ratios = {
  sequenceOverheadNsPerStep: ns.sequence! - ns.raw!,
  guardedVsCockatiel: ns.guarded! / ns.cockatiel!,
  langgraphVsSequence: ns.langgraph! / ns.sequence!,
};
const targets = [
  { target: '(b) adds <= 1 us per step over (a)', ok: ratios.sequenceOverheadNsPerStep <= 1_000, value: `${ratios.sequenceOverheadNsPerStep.toFixed(0)} ns` },
  { target: '(c) no slower than (d)', ok: ratios.guardedVsCockatiel <= 1, value: `${ratios.guardedVsCockatiel.toFixed(2)}x` },
  { target: '(b) >= 20x faster per step than (e)', ok: ratios.langgraphVsSequence >= 20, value: `${ratios.langgraphVsSequence.toFixed(1)}x` },
  { target: '10,000 concurrent runs fit in 50 MB heap', ok: heapBytes <= 50 * 1024 * 1024, value: `${(heapBytes / 1024 / 1024).toFixed(1)} MB` },
];

const pad = (s: string, n: number): string => s.padEnd(n);
console.log(`\nnode ${process.version}, ${ROUNDS} rounds, median ns per step${gc ? '' : ' (run with --expose-gc for steadier figures)'}`);
console.log(pad('case', 42) + 'ns/step'.padStart(10) + 'vs raw'.padStart(10));
for (const c of cases) console.log(pad(c.label, 42) + ns[c.key]!.toFixed(0).padStart(10) + `${(ns[c.key]! / ns.raw!).toFixed(1)}x`.padStart(10));
console.log(`\nheap for 10,000 concurrent runs (3 steps, 50 ms timers): ${(heapBytes / 1024 / 1024).toFixed(1)} MB`);
console.log('\ntargets:');
for (const t of targets) console.log(`  ${t.ok ? 'PASS' : 'FAIL'}  ${pad(t.target, 44)} ${t.value}`);

const resultsDir = new URL('./results/', import.meta.url);
mkdirSync(resultsDir, { recursive: true });
writeFileSync(new URL('primitives.json', resultsDir), JSON.stringify({
  node: process.version,
  date: new Date().toISOString(),
  rounds: ROUNDS,
  stepsPerRun: STEPS,
  nsPerStep: ns,
  samplesNsPerStep: Object.fromEntries(samples),
  ratios,
  heapBytesFor10kConcurrentRuns: heapBytes,
  targets,
}, null, 2) + '\n');
if (!gc) console.log('(heap figure is approximate without --expose-gc)');
