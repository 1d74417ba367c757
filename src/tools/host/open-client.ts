import { StringDecoder } from 'node:string_decoder';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { ServerStartError } from './errors.js';
import type { ResolvedServer } from './server-entry.js';

const CLIENT_INFO = { name: 'firebreak-tool-host', version: '0.1.0' };
const STDERR_LINES = 20;

/** The last lines a stdio server wrote to stderr: the only clue when it dies during startup. */
export class StderrTail {
  readonly #lines: string[] = [];
  #partial = '';

  push(chunk: string): void {
    const parts = (this.#partial + chunk).split('\n');
    this.#partial = parts.pop() ?? '';
    for (const line of parts) this.#add(line);
    if (this.#partial.length > 2000) {
      this.#add(this.#partial);
      this.#partial = '';
    }
  }

  text(): string {
    const lines = this.#partial ? [...this.#lines, this.#partial] : this.#lines;
    return lines.join('\n');
  }

  #add(line: string): void {
    const trimmed = line.trimEnd();
    if (!trimmed) return;
    this.#lines.push(trimmed.length > 500 ? trimmed.slice(0, 500) + '…' : trimmed);
    if (this.#lines.length > STDERR_LINES) this.#lines.shift();
  }
}

export interface OpenedClient {
  client: Client;
  stderr: StderrTail | undefined;
  /** Closes the client and its transport (kills a stdio child); safe to call twice. */
  close(): Promise<void>;
}

export interface OpenHooks {
  timeoutMs: number;
  signal?: AbortSignal;
  /** The connection ended (process exit, socket drop, close()). */
  onClose: () => void;
  onToolsChanged: () => void;
  onStderr?: (line: string) => void;
}

/**
 * Connects an SDK Client to one configured server and runs the MCP initialize handshake within
 * `hooks.timeoutMs`. Every attempt gets a fresh Client and transport: reconnecting never reuses state
 * from a dead session.
 */
export async function openClient(server: ResolvedServer, hooks: OpenHooks): Promise<OpenedClient> {
  if (server.kind === 'client') return adoptClient(server.client, hooks);
  const client = new Client(CLIENT_INFO, { capabilities: {} });
  client.onclose = hooks.onClose;
  // Errors are also surfaced by the failing request; logging each one here would only duplicate them.
  client.onerror = () => undefined;
  client.setNotificationHandler(ToolListChangedNotificationSchema, () => hooks.onToolsChanged());
  let stderr: StderrTail | undefined;
  let transport: Transport;
  let extraClose: (() => Promise<void>) | undefined;
  switch (server.kind) {
    case 'stdio': {
      const stdio = new StdioClientTransport({
        command: server.command,
        args: server.args,
        env: server.env,
        ...(server.cwd !== undefined ? { cwd: server.cwd } : {}),
        stderr: 'pipe',
      });
      const tail = new StderrTail();
      stderr = tail;
      const decoder = new StringDecoder('utf8');
      stdio.stderr?.on('data', (chunk: Buffer) => {
        const text = decoder.write(chunk);
        tail.push(text);
        hooks.onStderr?.(text);
      });
      transport = stdio;
      break;
    }
    case 'http': {
      const http = new StreamableHTTPClientTransport(new URL(server.url), { requestInit: { headers: server.headers } });
      transport = http;
      // Ending the session politely lets the server free it at once; a dead server must not hold up close().
      extraClose = () => withDeadline(http.terminateSession(), 1_000);
      break;
    }
    case 'transport':
      transport = typeof server.transport === 'function' ? await server.transport() : server.transport;
      break;
    case 'server': {
      const mcp: McpServer = typeof server.server === 'function' ? await server.server() : server.server;
      if (mcp.isConnected()) await mcp.close();
      const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
      await mcp.connect(serverSide);
      transport = clientSide;
      extraClose = () => mcp.close();
      break;
    }
  }
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    if (extraClose) await extraClose().catch(() => undefined);
    await client.close().catch(() => undefined);
  };
  try {
    await client.connect(transport, { timeout: hooks.timeoutMs, ...(hooks.signal ? { signal: hooks.signal } : {}) });
  } catch (err) {
    await close();
    // A transport that failed in start() (spawn ENOENT) was never handed to the client; close it too.
    await transport.close().catch(() => undefined);
    throw new ServerStartError(err instanceof Error ? err.message : String(err), stderr?.text() || undefined, { cause: err });
  }
  return { client, stderr, close };
}

function adoptClient(client: Client, hooks: OpenHooks): OpenedClient {
  if (!client.getServerCapabilities()) {
    throw new Error('the given Client is not connected; connect it first, or pass a transport factory instead');
  }
  const previous = client.onclose;
  client.onclose = () => {
    previous?.();
    hooks.onClose();
  };
  client.setNotificationHandler(ToolListChangedNotificationSchema, () => hooks.onToolsChanged());
  return { client, stderr: undefined, close: () => client.close().catch(() => undefined) };
}

function withDeadline(promise: Promise<void>, ms: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    promise.then(
      () => { clearTimeout(timer); resolve(); },
      () => { clearTimeout(timer); resolve(); },
    );
  });
}
