import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import type { ToolResult, ToolSet, ToolSpec } from '../../../src/tools/types.js';

/**
 * A small real MCP server ("grafana"-like and "github"-like tools with the built-in servers' names) behind a
 * real SDK Client over InMemoryTransport, wrapped in a minimal ToolSet (the real tool host is built elsewhere).
 * `cancelled` counts tool calls whose server-side signal aborted (the SDK's notifications/cancelled).
 */
export interface TestTools {
  toolset: ToolSet;
  calls: { name: string; args: Record<string, unknown>; idempotencyKey?: string }[];
  /** Resolves the next time a slow call starts on the server. */
  slowStarted: () => Promise<void>;
  cancelled: number;
  close(): Promise<void>;
}

export async function startTestTools(): Promise<TestTools> {
  const grafana = new McpServer({ name: 'grafana', version: '0.0.0' });
  const github = new McpServer({ name: 'github', version: '0.0.0' });
  const state = { cancelled: 0, onSlow: [] as (() => void)[] };

  grafana.registerTool('query_prometheus', {
    description: 'Run a PromQL query',
    inputSchema: { expr: z.string(), queryType: z.enum(['instant', 'range']).optional() },
    annotations: { readOnlyHint: true },
  }, async ({ expr }) => {
    const value = expr.includes('status="500"') ? 0.15 : expr.includes('histogram_quantile') ? 2.5 : 1;
    return { content: [{ type: 'text', text: JSON.stringify({ resultType: 'vector', result: [{ metric: {}, value: [1700000000, String(value)] }] }) }] };
  });
  grafana.registerTool('query_loki_logs', {
    description: 'Run a LogQL query',
    inputSchema: { logql: z.string(), limit: z.number().int().optional() },
    annotations: { readOnlyHint: true },
  }, async () => ({ content: [{ type: 'text', text: '{"level":"error","msg":"Database connection timeout","pool":"exhausted"}' }] }));
  grafana.registerTool('slow_query', {
    description: 'A query that takes long and honours cancellation',
    inputSchema: { expr: z.string() },
    annotations: { readOnlyHint: true },
  }, (_args, extra) =>
    new Promise((resolve) => {
      state.onSlow.splice(0).forEach((f) => f());
      const timer = setTimeout(() => resolve({ content: [{ type: 'text', text: 'slow done' }] }), 10_000);
      extra.signal.addEventListener('abort', () => {
        clearTimeout(timer);
        state.cancelled++;
        resolve({ content: [{ type: 'text', text: 'cancelled' }], isError: true });
      });
    }));
  grafana.registerTool('failing_query', {
    description: 'Always fails',
    inputSchema: { expr: z.string() },
    annotations: { readOnlyHint: true },
  }, async () => ({ content: [{ type: 'text', text: 'datasource unavailable' }], isError: true }));
  github.registerTool('merge_pull_request', {
    description: 'Merge a pull request',
    inputSchema: { owner: z.string(), repo: z.string(), pullNumber: z.number().int() },
    annotations: { destructiveHint: true },
  }, async () => ({ content: [{ type: 'text', text: '{"merged":true}' }] }));

  const clients: Client[] = [];
  const specs: ToolSpec[] = [];
  const byName = new Map<string, { client: Client; tool: string }>();
  for (const [server, mcp] of [['grafana', grafana], ['github', github]] as const) {
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await mcp.connect(serverSide);
    const client = new Client({ name: 'firebreak-test', version: '0.0.0' });
    await client.connect(clientSide);
    clients.push(client);
    for (const t of (await client.listTools()).tools) {
      const name = `${server}.${t.name}`;
      specs.push({ name, description: t.description ?? '', inputSchema: t.inputSchema as Record<string, unknown>, ...(t.annotations ? { annotations: t.annotations } : {}) });
      byName.set(name, { client, tool: t.name });
    }
  }
  const calls: TestTools['calls'] = [];
  const toolset: ToolSet = {
    list: () => specs,
    async call(name, args, opts = {}): Promise<ToolResult> {
      const target = byName.get(name);
      if (!target) return { content: [{ type: 'text', text: `unknown tool ${name}` }], isError: true };
      calls.push({ name, args, ...(opts.idempotencyKey ? { idempotencyKey: opts.idempotencyKey } : {}) });
      const started = Date.now();
      const result = (await target.client.callTool({ name: target.tool, arguments: args }, undefined, opts.signal ? { signal: opts.signal } : {})) as ToolResult;
      opts.ctx?.emit('tool.call', { server: name.split('.')[0], tool: target.tool, durationMs: Date.now() - started, outcome: result.isError ? 'error' : 'ok' });
      return result;
    },
  };
  return {
    toolset,
    calls,
    slowStarted: () => new Promise<void>((resolve) => state.onSlow.push(resolve)),
    get cancelled() {
      return state.cancelled;
    },
    async close() {
      await Promise.all(clients.map((c) => c.close()));
    },
  };
}
