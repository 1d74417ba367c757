// A small MCP server for the tool host's tests: run directly with node (stdio), or created in-process
// (in-memory / HTTP). Only erasable TypeScript, so Node 22 runs it without a build step.
import { existsSync } from 'node:fs';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { z } from 'zod';

export interface FixtureState {
  calls: Record<string, number>;
  cancellations: number;
  seen: Record<string, boolean>;
}

export function newFixtureState(): FixtureState {
  return { calls: {}, cancellations: 0, seen: {} };
}

function wait(ms: number, signal: AbortSignal, state: FixtureState): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      state.cancellations++;
      reject(new Error('cancelled by the client'));
    }, { once: true });
  });
}

/** The fixture's tools; `extra` lets a test add more (e.g. an HTTP server echoing its request headers). */
export function createFixtureServer(state: FixtureState = newFixtureState(), extra?: (server: McpServer) => void): McpServer {
  const server = new McpServer({ name: 'fixture', version: '1.0.0' });
  const count = (name: string): void => {
    state.calls[name] = (state.calls[name] ?? 0) + 1;
  };
  server.registerTool('echo', {
    description: 'Echoes its text.',
    inputSchema: { text: z.string() },
    annotations: { readOnlyHint: true },
  }, async ({ text }) => {
    count('echo');
    return { content: [{ type: 'text', text }], structuredContent: { text } };
  });
  for (const readOnly of [true, false]) {
    const name = readOnly ? 'slow_read' : 'slow_write';
    server.registerTool(name, {
      description: 'Sleeps ms (honouring cancellation); with once=true only the first call per key sleeps.',
      inputSchema: { ms: z.number().int().min(0), key: z.string().default('k'), once: z.boolean().default(false) },
      annotations: { readOnlyHint: readOnly },
    }, async ({ ms, key, once }, ctx) => {
      count(name);
      const seenKey = `${name}:${key}`;
      const first = !state.seen[seenKey];
      state.seen[seenKey] = true;
      if (!once || first) await wait(ms, ctx.signal, state);
      return { content: [{ type: 'text', text: `slept for ${key}` }] };
    });
  }
  server.registerTool('stats', { description: 'Calls and cancellations seen.', annotations: { readOnlyHint: true } }, async () => ({
    content: [{ type: 'text', text: JSON.stringify(state) }],
    structuredContent: { ...state, pid: process.pid },
  }));
  server.registerTool('big', {
    description: 'Returns a text of the given size.',
    inputSchema: { bytes: z.number().int().min(0), structured: z.boolean().default(false) },
    annotations: { readOnlyHint: true },
  }, async ({ bytes, structured }) => ({
    content: [{ type: 'text', text: 'é'.repeat(Math.floor(bytes / 2)) }],
    ...(structured ? { structuredContent: { blob: 'x'.repeat(bytes) } } : {}),
  }));
  server.registerTool('leak', { description: 'Returns the canary secret from its environment.', annotations: { readOnlyHint: true } }, async () => {
    const secret = process.env.CANARY_SECRET ?? 'none';
    return {
      content: [{ type: 'text', text: `connected with key ${secret} to db` }],
      structuredContent: { note: `key=${secret}`, password: 'hunter2-but-longer' },
    };
  });
  server.registerTool('add_tool', {
    description: 'Registers a new tool (the server then sends tools/list_changed).',
    inputSchema: { name: z.string().regex(/^[a-z_]+$/) },
  }, async ({ name }) => {
    server.registerTool(name, { description: `added at runtime`, annotations: { readOnlyHint: true } }, async () => ({
      content: [{ type: 'text', text: `hello from ${name}` }],
    }));
    return { content: [{ type: 'text', text: `added ${name}` }] };
  });
  server.registerTool('crash', { description: 'Exits the process without answering.' }, async () => {
    process.exit(3);
  });
  extra?.(server);
  return server;
}

async function main(): Promise<void> {
  const flag = process.env.FIXTURE_FAIL_IF_EXISTS;
  const reason = process.env.FIXTURE_FAIL_START ?? (flag && existsSync(flag) ? `${flag} exists` : undefined);
  if (reason) {
    process.stderr.write(`fixture: refusing to start: ${reason}\n`);
    process.exit(2);
  }
  const server = createFixtureServer();
  await server.connect(new StdioServerTransport());
  process.stderr.write('fixture: ready\n');
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/'))) void main();
