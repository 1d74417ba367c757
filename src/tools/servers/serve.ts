import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from 'pino';

export interface StdioHandle {
  /** Resolves when the client goes away (stdin ends) or `close()` was called. */
  readonly closed: Promise<void>;
  close(): Promise<void>;
}

/**
 * Serves `server` on this process's stdin/stdout until stdin ends.
 * Gotcha: stdout IS the protocol channel: anything else written there (console.log, a pino logger on fd 1)
 * corrupts the stream. Log to stderr.
 */
export async function serveStdio(
  server: McpServer,
  io: { stdin?: NodeJS.ReadableStream; stdout?: NodeJS.WritableStream } = {},
): Promise<StdioHandle> {
  const stdin = (io.stdin ?? process.stdin) as NodeJS.ReadStream;
  const transport = new StdioServerTransport(stdin, (io.stdout ?? process.stdout) as NodeJS.WriteStream);
  let resolveClosed!: () => void;
  const closed = new Promise<void>((resolve) => (resolveClosed = resolve));
  // Chained, not replaced: the server's owner may have its own cleanup (listeners, subscriptions) on onclose.
  const previous = server.server.onclose;
  server.server.onclose = () => {
    previous?.();
    resolveClosed();
  };
  await server.connect(transport);
  // The SDK's stdio transport does not notice EOF; without this a server outlives its client.
  const onEnd = (): void => void server.close();
  stdin.once('end', onEnd);
  return {
    closed,
    close: async () => {
      stdin.off('end', onEnd);
      await server.close();
      await closed;
    },
  };
}

export interface HttpServeOptions {
  /** Interface to bind. Default 127.0.0.1: MCP servers that run code must not listen on the network by accident. */
  host?: string;
  /** 0 (default) picks a free port; read it back from `url`. */
  port?: number;
  /** Endpoint path. Default /mcp. */
  path?: string;
  /** Largest accepted request body. Default 4 MiB. */
  maxBodyBytes?: number;
  /** Concurrent sessions before new ones get 503. Default 100. */
  maxSessions?: number;
  /** Host headers accepted (DNS-rebinding protection). Default: the bound address and, on loopback, localhost. */
  allowedHosts?: string[];
  /** Origin headers accepted when present. Default: http://<each allowed host>. */
  allowedOrigins?: string[];
  /**
   * When set, every request must carry `Authorization: Bearer <token>` (401 otherwise, compared in constant
   * time). Required by anything that binds beyond loopback; never logged.
   */
  bearerToken?: string;
  logger?: Logger;
}

export interface HttpServerHandle {
  /** e.g. http://127.0.0.1:41234/mcp */
  readonly url: string;
  /** Number of live sessions. */
  sessionCount(): number;
  /** Ends every session and stops listening. */
  close(): Promise<void>;
}

interface Session {
  transport: StreamableHTTPServerTransport;
  server: McpServer;
}

/**
 * Serves MCP over Streamable HTTP with sessions: each `initialize` gets a fresh McpServer from `factory`
 * and a session id (Mcp-Session-Id header); DELETE ends a session. Requests with a foreign Host or Origin
 * are refused (403) so a web page cannot reach a localhost server through DNS rebinding.
 */
export async function serveHttp(factory: () => McpServer, opts: HttpServeOptions = {}): Promise<HttpServerHandle> {
  const host = opts.host ?? '127.0.0.1';
  const path = opts.path ?? '/mcp';
  const maxBodyBytes = opts.maxBodyBytes ?? 4 * 1024 * 1024;
  const maxSessions = opts.maxSessions ?? 100;
  const sessions = new Map<string, Session>();
  if (opts.bearerToken !== undefined && opts.bearerToken.length === 0) throw new TypeError('serveHttp: bearerToken must not be empty');
  const expectedToken = opts.bearerToken === undefined ? undefined : digest(opts.bearerToken);
  let allowedHosts = new Set<string>();
  let allowedOrigins = new Set<string>();

  const http = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      opts.logger?.error({ err }, 'mcp http request failed');
      if (!res.headersSent) jsonRpcError(res, 500, -32603, 'Internal error');
      else res.end();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://placeholder');
    if (url.pathname !== path) return jsonRpcError(res, 404, -32000, 'Not found');
    if (!allowedHosts.has((req.headers.host ?? '').toLowerCase())) return jsonRpcError(res, 403, -32000, 'Forbidden: Host not allowed');
    const origin = req.headers.origin;
    if (origin !== undefined && !allowedOrigins.has(origin.toLowerCase())) return jsonRpcError(res, 403, -32000, 'Forbidden: Origin not allowed');
    if (expectedToken && !bearerMatches(req.headers.authorization, expectedToken)) {
      res.setHeader('WWW-Authenticate', 'Bearer realm="mcp"');
      req.resume();
      return jsonRpcError(res, 401, -32001, 'Unauthorized: missing or invalid bearer token');
    }

    const sessionId = req.headers['mcp-session-id'];
    const existing = typeof sessionId === 'string' ? sessions.get(sessionId) : undefined;
    if (req.method === 'POST') {
      const body = await readJson(req, maxBodyBytes);
      if (body.kind === 'too-large') return jsonRpcError(res, 413, -32000, `Request body exceeds ${maxBodyBytes} bytes`);
      if (body.kind === 'invalid') return jsonRpcError(res, 400, -32700, 'Parse error');
      if (existing) return existing.transport.handleRequest(req, res, body.value);
      if (sessionId !== undefined) return jsonRpcError(res, 404, -32001, 'Session not found');
      if (!isInitializeRequest(body.value)) return jsonRpcError(res, 400, -32000, 'Bad Request: no valid session id');
      if (sessions.size >= maxSessions) return jsonRpcError(res, 503, -32000, 'Too many sessions');
      return startSession(req, res, body.value);
    }
    if (req.method === 'GET' || req.method === 'DELETE') {
      if (!existing) return jsonRpcError(res, sessionId === undefined ? 400 : 404, -32001, 'Session not found');
      return existing.transport.handleRequest(req, res);
    }
    res.setHeader('Allow', 'GET, POST, DELETE');
    return jsonRpcError(res, 405, -32000, 'Method not allowed');
  }

  async function startSession(req: IncomingMessage, res: ServerResponse, body: unknown): Promise<void> {
    const server = factory();
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => {
        sessions.set(id, { transport, server });
        opts.logger?.debug({ sessions: sessions.size }, 'mcp session started');
      },
    });
    // Chained by the SDK's connect() with the server's own cleanup: fires on DELETE and on close().
    transport.onclose = () => {
      if (transport.sessionId) sessions.delete(transport.sessionId);
    };
    await server.connect(transport);
    await transport.handleRequest(req, res, body);
  }

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(opts.port ?? 0, host, () => {
      http.off('error', reject);
      resolve();
    });
  });
  const port = (http.address() as AddressInfo).port;
  const hostPart = host.includes(':') ? `[${host}]` : host;
  const isLoopback = host === '127.0.0.1' || host === '::1' || host === 'localhost';
  allowedHosts = new Set(
    (opts.allowedHosts ?? [`${hostPart}:${port}`, ...(isLoopback ? [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`] : [])]).map((h) => h.toLowerCase()),
  );
  allowedOrigins = new Set((opts.allowedOrigins ?? [...allowedHosts].map((h) => `http://${h}`)).map((o) => o.toLowerCase()));
  const url = `http://${hostPart}:${port}${path}`;

  return {
    url,
    sessionCount: () => sessions.size,
    close: async () => {
      await Promise.all([...sessions.values()].map((s) => s.transport.close().catch(() => undefined)));
      sessions.clear();
      await new Promise<void>((resolve) => {
        http.close(() => resolve());
        http.closeAllConnections();
      });
    },
  };
}

/** sha256 of a bearer token: what `bearerMatches` compares against (keep the digest, not the token). */
export function digest(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/** Compares digests, so neither the token's length nor its prefix leaks through timing. */
export function bearerMatches(header: string | undefined, expected: Buffer): boolean {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match !== null && timingSafeEqual(digest(match[1]!), expected);
}

export type JsonBody = { kind: 'ok'; value: unknown } | { kind: 'too-large' } | { kind: 'invalid'; message: string };

/**
 * Reads and parses a JSON body of at most `maxBytes`; an oversized body is drained, never buffered.
 * `invalid` carries the parser's message (position of the error), never the body.
 */
export function readJson(req: IncomingMessage, maxBytes: number): Promise<JsonBody> {
  return new Promise((resolve, reject) => {
    if (Number(req.headers['content-length'] ?? 0) > maxBytes) {
      req.resume();
      resolve({ kind: 'too-large' });
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size <= maxBytes) return void chunks.push(chunk);
      // Stop buffering but keep draining, so the 413 can still be written on this connection.
      req.off('data', onData);
      req.resume();
      resolve({ kind: 'too-large' });
    };
    req.on('data', onData);
    req.once('error', reject);
    req.once('end', () => {
      if (size > maxBytes) return;
      try {
        resolve({ kind: 'ok', value: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
      } catch (err) {
        resolve({ kind: 'invalid', message: err instanceof Error ? err.message : String(err) });
      }
    });
  });
}

function jsonRpcError(res: ServerResponse, status: number, code: number, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id: null }));
}
