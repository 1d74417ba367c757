// The personas benchmark: each built-in persona's fixed context (system prompt + the tool definitions it is
// offered, as sent to the model) against firebreak's target of about 2,000 tokens, and the agent loop's own
// overhead per turn. Standalone: `node bench/personas.bench.ts` (after `npm run build`).
// Writes bench/results/personas.json.
//
// Token estimates: `chars/3.5` is firebreak's estimator (estimateTokens; Claude's tokenizer is not public).
// As a cross-check the same text is counted with a real BPE tokenizer, cl100k_base (js-tiktoken, installed
// with @langchain/core), when it can be loaded. Tools are measured twice: the representative catalog
// (src/personas/builtin/tool-catalog.ts) and, where a built-in server can be started here, its live tool
// list over an in-memory MCP transport (deploy.* always comes from the catalog: the lab deployer is not a
// registry server).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { pino } from 'pino';
import { backend, builtinToolCatalog, devops, measureFixedContext, observability, persona } from '../dist/personas/index.js';
import { run } from '../dist/primitives/index.js';
import { toolUse } from '../dist/testing/index.js';
import { z } from 'zod';

type Spec = (typeof builtinToolCatalog)[number];
const TARGET = 2_000;

async function cl100k(): Promise<((text: string) => number) | undefined> {
  try {
    const { getEncoding } = (await import('js-tiktoken')) as { getEncoding: (name: string) => { encode: (t: string) => number[] } };
    const enc = getEncoding('cl100k_base');
    return (text) => enc.encode(text).length;
  } catch {
    return undefined;
  }
}

/** Tool lists of the built-in servers that can start here, qualified `server.tool`. */
async function liveTools(): Promise<{ specs: Spec[]; servers: Record<string, string> }> {
  const servers: Record<string, string> = {};
  const specs: Spec[] = [];
  let registry: Record<string, { fromArgs: (argv: string[], env: NodeJS.ProcessEnv, ctx?: unknown) => Promise<() => unknown> }> = {};
  try {
    registry = ((await import('../dist/tools/servers/registry.js')) as { builtinServers: typeof registry }).builtinServers;
  } catch (err) {
    return { specs, servers: { registry: `not available: ${(err as Error).message}` } };
  }
  const workspace = mkdtempSync(join(tmpdir(), 'firebreak-bench-'));
  const logger = pino({ level: 'silent' });
  const setups: Record<string, [string[], NodeJS.ProcessEnv]> = {
    grafana: [[], { PROMETHEUS_URL: 'http://127.0.0.1:9', LOKI_URL: 'http://127.0.0.1:9' }],
    github: [[], { GITHUB_TOKEN: 'bench-token-not-used', GITHUB_API_URL: 'http://127.0.0.1:9' }],
    sandbox: [['--workspace', workspace, '--isolation', 'process'], {}],
  };
  for (const [name, [argv, env]] of Object.entries(setups)) {
    const server = registry[name];
    if (!server) {
      servers[name] = 'not in the registry yet: catalog used';
      continue;
    }
    try {
      const factory = await server.fromArgs(argv, env, { logger, cwd: workspace });
      const mcp = factory() as { connect: (t: unknown) => Promise<void>; close: () => Promise<void> };
      const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
      await mcp.connect(serverSide);
      const client = new Client({ name: 'bench', version: '0' });
      await client.connect(clientSide);
      const { tools } = await client.listTools();
      for (const t of tools) specs.push({ name: `${name}.${t.name}`, description: t.description ?? '', inputSchema: t.inputSchema as Record<string, unknown> });
      servers[name] = `live (${tools.length} tools)`;
      await client.close();
      await mcp.close();
    } catch (err) {
      servers[name] = `could not start here (${(err as Error).message.split('\n')[0]}): catalog used`;
    }
  }
  rmSync(workspace, { recursive: true, force: true });
  return { specs, servers };
}

/**
 * The loop's own cost per turn: a model that answers at once from the conversation length (no cloning, no
 * estimating) and an in-process tool set, so what is timed is the loop — offer, validation, child steps,
 * conversation bookkeeping — not a model or a server.
 */
async function loopOverheadMicros(): Promise<number> {
  const TURNS = 20;
  const toolset = { list: () => [...builtinToolCatalog], call: async () => ({ content: [{ type: 'text', text: '{"ok":true}' }] }) };
  const model = {
    id: 'bench',
    async generate(req: { messages: unknown[] }) {
      const turn = (req.messages.length + 1) / 2;
      const content = turn <= TURNS ? [toolUse('grafana.query_prometheus', { expr: `up offset ${turn}m` })] : [toolUse('final_answer', { ok: true })];
      return { content, stopReason: 'tool_use' as const, usage: { inputTokens: 100, outputTokens: 10 } };
    },
  };
  const p = persona({
    name: 'bench', description: 'd', instructions: 'i', tools: ['grafana.query_*'], budget: { tokens: 10_000_000, turns: TURNS + 1, toolCalls: TURNS },
    output: z.object({ ok: z.boolean() }), toolset, model, limits: { maxIdenticalCalls: TURNS },
  });
  const logger = pino({ level: 'silent' });
  for (let i = 0; i < 50; i++) await run(p, { incident: { alert: 'warmup' } }, { logger });
  const rounds: number[] = [];
  for (let r = 0; r < 7; r++) {
    const started = performance.now();
    for (let i = 0; i < 20; i++) await run(p, { incident: { alert: 'bench' } }, { logger });
    rounds.push(((performance.now() - started) * 1000) / (20 * (TURNS + 1)));
  }
  rounds.sort((a, b) => a - b);
  return rounds[Math.floor(rounds.length / 2)]!;
}

const count = await cl100k();
const live = await liveTools();
const liveNames = new Set(live.specs.map((s) => s.name.split('.')[0]));
const liveCatalog = [...live.specs, ...builtinToolCatalog.filter((t) => !liveNames.has(t.name.split('.')[0]!))];
const rows = [];
for (const p of [observability(), backend(), devops()]) {
  for (const [source, tools] of [['catalog', builtinToolCatalog], ['live', liveCatalog]] as const) {
    if (source === 'live' && live.specs.length === 0) continue;
    const m = measureFixedContext(p, tools);
    const cl = count ? count(m.text.system) + count(m.text.tools) : undefined;
    rows.push({ persona: m.persona, source, tools: m.tools.length, compaction: m.compaction, systemTokens: m.systemTokens, toolTokens: m.toolTokens, tokens: m.tokens, cl100k: cl ?? null, withinTarget: m.tokens <= TARGET, offered: m.tools });
  }
}
const perTurnMicros = await loopOverheadMicros();

console.log(`Fixed context per persona (target <= ${TARGET} tokens; estimate = chars/3.5${count ? '; cl100k = real BPE count' : ''})`);
console.log(['persona', 'tools from', 'tools', 'compact', 'system', 'tool defs', 'total', 'cl100k', 'ok'].map((h, i) => (i < 2 ? h.padEnd(14) : h.padStart(9))).join(''));
for (const r of rows) {
  console.log([r.persona.padEnd(14), r.source.padEnd(14), ...[r.tools, r.compaction, r.systemTokens, r.toolTokens, r.tokens, r.cl100k ?? '-'].map((v) => String(v).padStart(9)), (r.withinTarget ? 'yes' : 'NO').padStart(9)].join(''));
}
console.log('compact = compaction level of the tool definitions needed to fit (0 none … 4 most; see src/personas/schema-compact.ts)');
console.log('servers:', Object.entries(live.servers).map(([k, v]) => `${k}: ${v}`).join('; '));
console.log(`agent loop overhead (instant model, in-process tools, no sinks): ${perTurnMicros.toFixed(1)} µs per turn (median of 7 rounds)`);

mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(new URL('./results/personas.json', import.meta.url), JSON.stringify({
  target: TARGET,
  estimator: 'ceil(chars / 3.5) (firebreak estimateTokens)',
  crossCheck: count ? 'cl100k_base via js-tiktoken' : 'unavailable',
  servers: live.servers,
  personas: rows,
  loop: { microsPerTurn: Number(perTurnMicros.toFixed(2)) },
  at: new Date().toISOString(),
}, null, 2) + '\n');
