import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { CallToolResultSchema, ElicitRequestSchema, type CallToolResult, type ElicitResult, type ServerNotification } from '@modelcontextprotocol/sdk/types.js';
import { createFirebreakMcpServer } from '../../../src/mcp-server/server.js';
import type { FirebreakMcpDeps, FirebreakMcpOptions } from '../../../src/mcp-server/types.js';

/** An elicitation handler: what the "user" answers when the server asks. */
export type ElicitAnswer = (params: { message: string; requestedSchema?: unknown }, signal: AbortSignal) => ElicitResult | Promise<ElicitResult>;

export interface Connected {
  client: Client;
  server: McpServer;
  /** Every notification the client received, in order. */
  notifications: ServerNotification[];
  /** Every elicitation message the client was shown. */
  asked: string[];
  close(): Promise<void>;
}

/**
 * A real SDK client connected to a fresh firebreak server over the SDK's in-memory transport. With `elicit`,
 * the client declares elicitation support and answers with it.
 */
export async function connectInMemory(deps: FirebreakMcpDeps, opts: { elicit?: ElicitAnswer; name?: string; server?: FirebreakMcpOptions } = {}): Promise<Connected> {
  const server = createFirebreakMcpServer(deps, { notifyCoalesceMs: 20, ...(opts.server ?? {}) });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  const client = new Client({ name: opts.name ?? 'mcp-test-client', version: '1.0.0' }, { capabilities: opts.elicit ? { elicitation: {} } : {} });
  const notifications: ServerNotification[] = [];
  const asked: string[] = [];
  client.fallbackNotificationHandler = async (n) => {
    notifications.push(n as ServerNotification);
  };
  if (opts.elicit) {
    const answer = opts.elicit;
    client.setRequestHandler(ElicitRequestSchema, async (req, extra) => {
      asked.push(req.params.message);
      return answer(req.params as { message: string; requestedSchema?: unknown }, extra.signal);
    });
  }
  await client.connect(clientSide);
  return { client, server, notifications, asked, close: () => client.close() };
}

/** Calls a tool and returns its structuredContent; throws with the text when the tool answered isError. */
export async function call(client: Client, name: string, args: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
  const result = (await client.callTool({ name, arguments: args }, CallToolResultSchema)) as CallToolResult;
  if (result.isError) throw new Error(`${name}: ${result.content.map((c) => (c.type === 'text' ? c.text : c.type)).join('\n')}`);
  return result.structuredContent ?? {};
}

/** Calls a tool expecting isError; returns the error text. */
export async function callError(client: Client, name: string, args: Record<string, unknown> = {}): Promise<string> {
  const result = (await client.callTool({ name, arguments: args }, CallToolResultSchema)) as CallToolResult;
  if (!result.isError) throw new Error(`${name}: expected an error, got ${JSON.stringify(result.structuredContent)}`);
  return result.content.map((c) => (c.type === 'text' ? c.text : c.type)).join('\n');
}

/** Polls until `probe` returns something truthy. */
export async function eventually<T>(what: string, probe: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await probe();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
}
