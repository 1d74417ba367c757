import type { Logger } from 'pino';
import { serveHttp, serveStdio, type HttpServerHandle, type StdioHandle } from '../tools/servers/serve.js';
import { McpServeConfigError } from './errors.js';
import { createFirebreakMcpServer } from './server.js';
import type { FirebreakMcpDeps, FirebreakMcpOptions } from './types.js';

/** Shortest bearer token accepted: long enough that guessing it over the network is hopeless. */
export const MIN_TOKEN_LENGTH = 16;

export interface FirebreakHttpOptions extends FirebreakMcpOptions {
  /** Interface to bind; default 127.0.0.1. Anything but loopback requires `token`. */
  host?: string;
  /** 0 (default) picks a free port; read it back from the handle's `url`. */
  port?: number;
  /** Bearer token every request must carry (FIREBREAK_MCP_TOKEN). Optional on loopback, required elsewhere. */
  token?: string;
  /** Host headers accepted besides the bound address (DNS-rebinding protection); needed when binding 0.0.0.0. */
  allowedHosts?: string[];
  allowedOrigins?: string[];
  /** Largest request body; default 1 MiB (alerts and answers are small; a bigger body is a mistake or an attack). */
  maxBodyBytes?: number;
  /** Concurrent sessions; default 64. */
  maxSessions?: number;
  logger?: Logger;
}

/** True for addresses only this machine can reach. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127(?:\.\d{1,3}){3}$/.test(h);
}

/**
 * The bind policy: loopback is open to this machine's clients; any other interface needs a bearer token of
 * at least MIN_TOKEN_LENGTH characters. Throws McpServeConfigError saying what to set (`tokenSource`: where the
 * token comes from, for the message).
 */
export function checkBind(host: string, token: string | undefined, tokenSource = 'FIREBREAK_MCP_TOKEN'): void {
  if (token !== undefined && token.length < MIN_TOKEN_LENGTH) {
    throw new McpServeConfigError(`${tokenSource} is too short (${token.length} characters; at least ${MIN_TOKEN_LENGTH}, e.g. \`openssl rand -hex 32\`)`);
  }
  if (!isLoopbackHost(host) && token === undefined) {
    throw new McpServeConfigError(
      `refusing to serve on ${host} without authentication: set ${tokenSource} (at least ${MIN_TOKEN_LENGTH} characters) ` +
      'and send it as "Authorization: Bearer <token>", or bind 127.0.0.1',
    );
  }
}

/**
 * Serves firebreak over Streamable HTTP at `/mcp`, one McpServer per session over shared `deps`.
 *
 * When to use: `firebreak mcp --http`; clients that connect by URL (VS Code, Cursor, Claude Code `--transport http`).
 * What it does: checks the bind policy, then serves with Host/Origin checks (DNS rebinding), the bearer
 * token when set, a body size limit and a session cap.
 * Gotchas: closing the handle ends the sessions but not `deps` (the incident service keeps running).
 */
export async function serveFirebreakHttp(deps: FirebreakMcpDeps, opts: FirebreakHttpOptions = {}): Promise<HttpServerHandle> {
  const host = opts.host ?? '127.0.0.1';
  checkBind(host, opts.token);
  return serveHttp(() => createFirebreakMcpServer(deps, opts), {
    host,
    port: opts.port ?? 0,
    path: '/mcp',
    maxBodyBytes: opts.maxBodyBytes ?? 1024 * 1024,
    maxSessions: opts.maxSessions ?? 64,
    ...(opts.token !== undefined ? { bearerToken: opts.token } : {}),
    ...(opts.allowedHosts?.length ? { allowedHosts: opts.allowedHosts } : {}),
    ...(opts.allowedOrigins?.length ? { allowedOrigins: opts.allowedOrigins } : {}),
    ...(opts.logger ? { logger: opts.logger } : {}),
  });
}

/**
 * Serves firebreak on this process's stdin/stdout (what IDEs launch: `firebreak mcp`).
 * Gotcha: stdout is the protocol; every log must go to stderr or a file.
 */
export async function serveFirebreakStdio(
  deps: FirebreakMcpDeps,
  opts: FirebreakMcpOptions & { io?: { stdin?: NodeJS.ReadableStream; stdout?: NodeJS.WritableStream } } = {},
): Promise<StdioHandle> {
  return serveStdio(createFirebreakMcpServer(deps, opts), opts.io ?? {});
}
