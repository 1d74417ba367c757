// The tool host's cost: the latency a call through connectTools (bulkhead, router, circuit breaker,
// timeout, runner, redaction, truncation check, event) adds over a bare SDK Client.callTool — on the same
// client and transport, in memory and over stdio (the built `firebreak tools grafana` as a child process).
// Standalone: `node bench/tools.bench.ts` (after `npm run build`). Writes bench/results/tools.json.
// Target: <= 10% added latency.
//
// A third column, "floor", is a bare call plus only what the features cannot do without: a fresh
// AbortSignal handed to the SDK (a per-call timeout with MCP cancellation), a deadline armed and disarmed,
// and the result redacted and measured. host - floor is what composing the primitives (runner, bulkhead,
// router, retry, breaker) and the timeline event cost on top.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { pino } from 'pino';
import { DeadlineQueue } from '../dist/primitives/deadlines.js';
import { connectTools } from '../dist/tools/host/index.js';
import { shapeResult } from '../dist/tools/host/shape-result.js';
import { createGrafanaServer } from '../dist/tools/servers/grafana/index.js';

const TARGET_PCT = 10;
const dir = mkdtempSync(join(tmpdir(), 'firebreak-tools-bench-'));
const logFile = join(dir, 'api.jsonl');
writeFileSync(logFile, `${JSON.stringify({ level: 30, time: Date.now(), msg: 'ok' })}\n`);
const cli = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
// A cheap tool (no backend I/O), so the figures are the call path's cost, not Prometheus'.
const TOOL = 'list_datasources';
const ARGS = { limit: 5 };

interface Figures {
  p50Us: number;
  p99Us: number;
  meanUs: number;
}
interface Row {
  transport: string;
  calls: number;
  bare: Figures;
  floor: Figures;
  floorAddedPct: number;
  /** False when what the features cannot do without already costs more than the target (in-memory calls). */
  floorWithinTarget: boolean;
  host: Figures;
  addedUs: number;
  addedPct: number;
  withinTarget: boolean;
}

function figures(samples: number[]): Figures {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q: number): number => s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? 0;
  const round = (ms: number): number => Math.round(ms * 10_000) / 10;
  return { p50Us: round(at(0.5)), p99Us: round(at(0.99)), meanUs: round(s.reduce((a, b) => a + b, 0) / s.length) };
}

async function timeCalls(n: number, call: () => Promise<unknown>, into: number[]): Promise<void> {
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await call();
    into.push(performance.now() - t0);
  }
}

/** Bare and host calls on the same client, interleaved; p50 of each side, and the difference. */
async function compare(transport: string, client: Client, calls: number): Promise<Row> {
  const host = await connectTools({ mcpServers: { grafana: { client } }, logger: pino({ level: 'silent' }) });
  const bareCall = (): Promise<unknown> => client.callTool({ name: TOOL, arguments: ARGS });
  const hostCall = async (): Promise<unknown> => {
    const result = await host.call(`grafana.${TOOL}`, ARGS);
    if (result.isError) throw new Error(`host call failed: ${JSON.stringify(result.content)}`);
    return result;
  };
  const deadlines = new DeadlineQueue(30_000);
  const floorCall = async (): Promise<unknown> => {
    const controller = new AbortController();
    const deadline = deadlines.add(() => controller.abort());
    try {
      const raw = await client.callTool({ name: TOOL, arguments: ARGS }, undefined, { signal: controller.signal });
      return shapeResult(raw as { content?: unknown; structuredContent?: unknown }, { maxBytes: 64 * 1024, secrets: [] });
    } finally {
      deadlines.cancel(deadline);
    }
  };
  const warm: number[] = [];
  for (const call of [bareCall, floorCall, hostCall]) await timeCalls(Math.min(500, calls), call, warm);
  const bare: number[] = [];
  const floor: number[] = [];
  const hosted: number[] = [];
  // Call by call, alternating: load from other processes on the machine then hits every side alike.
  for (let i = 0; i < calls; i++) {
    await timeCalls(1, bareCall, bare);
    await timeCalls(1, floorCall, floor);
    await timeCalls(1, hostCall, hosted);
  }
  await host.close();
  const b = figures(bare);
  const f = figures(floor);
  const h = figures(hosted);
  const pct = (x: Figures): number => Math.round((x.p50Us / b.p50Us - 1) * 1000) / 10;
  const addedUs = Math.round((h.p50Us - b.p50Us) * 10) / 10;
  const addedPct = pct(h);
  return { transport, calls, bare: b, floor: f, floorAddedPct: pct(f), floorWithinTarget: pct(f) <= TARGET_PCT, host: h, addedUs, addedPct, withinTarget: addedPct <= TARGET_PCT };
}

async function inMemory(): Promise<Row> {
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await createGrafanaServer({ logFiles: [{ name: 'api', path: logFile }] }).connect(serverSide);
  const client = new Client({ name: 'bench', version: '1' });
  await client.connect(clientSide);
  try {
    return await compare('in-memory', client, 10_000);
  } finally {
    await client.close();
  }
}

async function stdio(): Promise<Row> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [cli, 'tools', 'grafana', '--log-file', `api=${logFile}`],
    env: { FIREBREAK_LOG_LEVEL: 'warn' },
    stderr: 'ignore',
  });
  const client = new Client({ name: 'bench', version: '1' });
  await client.connect(transport);
  try {
    return await compare('stdio', client, 3_000);
  } finally {
    await client.close();
  }
}

try {
  const rows = [await inMemory(), await stdio()];
  const line = (cells: (string | number)[]): string => cells.map((c, i) => String(c).padStart(i === 0 ? 10 : 12)).join(' ');
  process.stdout.write(line(['transport', 'bare p50 µs', 'floor p50 µs', 'host p50 µs', 'host p99 µs', 'floor +%', 'added µs', 'added %']) + '\n');
  for (const r of rows) {
    process.stdout.write(line([r.transport, r.bare.p50Us, r.floor.p50Us, r.host.p50Us, r.host.p99Us, `${r.floorAddedPct}%`, r.addedUs, `${r.addedPct}%${r.withinTarget ? '' : ' (!)'}`]) + '\n');
  }
  const out = { benchmark: 'tools', node: process.version, date: new Date().toISOString(), targetAddedPct: TARGET_PCT, tool: TOOL, rows };
  const resultsDir = fileURLToPath(new URL('./results/', import.meta.url));
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(join(resultsDir, 'tools.json'), JSON.stringify(out, null, 2) + '\n');
} finally {
  rmSync(dir, { recursive: true, force: true });
}
