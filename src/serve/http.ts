import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { redactJson, redactText } from '../security/redact.js';
import { bearerMatches, digest } from '../tools/servers/serve.js';

/**
 * The HTTP plumbing of `firebreak serve`: JSON answers, errors that say what was wrong, the bearer token and
 * the Host/Origin checks. Every answer is JSON; every error is `{ "error": { "status", "message" } }`.
 */

/** A request the handler refuses; `status` and `message` go to the client as they are (keep them free of secrets). */
export class HttpError extends Error {
  override readonly name = 'HttpError';
  constructor(readonly status: number, message: string, readonly headers: Record<string, string> = {}) {
    super(message);
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(redactJson(body));
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export function sendError(res: ServerResponse, err: HttpError): void {
  sendJson(res, err.status, { error: { status: err.status, message: err.message } }, err.headers);
}

/** Logs a refused request: method, path and the (redacted) problem; never the body or the token. */
export function logRefusal(logger: Logger | undefined, req: IncomingMessage, err: HttpError): void {
  const level = err.status >= 500 ? 'error' : 'warn';
  logger?.[level]({ method: req.method, path: (req.url ?? '/').split('?')[0], status: err.status, problem: redactText(err.message) }, 'request refused');
}

/**
 * Who may call: with a token, every request must carry `Authorization: Bearer <token>` (compared by digest,
 * in constant time), whatever the bind. Without one (loopback only), the Host header must name this server
 * and a browser's Origin must too, so a web page cannot reach it through DNS rebinding.
 */
export class Gate {
  readonly #digest: Buffer | undefined;
  #hosts = new Set<string>();

  constructor(token: string | undefined, private readonly extraHosts: readonly string[] = []) {
    this.#digest = token === undefined ? undefined : digest(token);
  }

  /** Called once the port is known. */
  bound(host: string, port: number): void {
    const hostPart = host.includes(':') ? `[${host}]` : host;
    this.#hosts = new Set([`${hostPart}:${port}`, `localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`, ...this.extraHosts].map((h) => h.toLowerCase()));
  }

  /** Throws HttpError 401 (no or wrong token) or 403 (foreign Host/Origin without a token). */
  check(req: IncomingMessage): void {
    if (this.#digest) {
      if (!bearerMatches(req.headers.authorization, this.#digest)) {
        throw new HttpError(401, 'missing or invalid bearer token: send "Authorization: Bearer <token>"', { 'www-authenticate': 'Bearer realm="firebreak"' });
      }
      return;
    }
    if (!this.#hosts.has((req.headers.host ?? '').toLowerCase())) throw new HttpError(403, 'Host header not allowed (set a token to accept other hosts)');
    const origin = req.headers.origin;
    if (origin !== undefined && !this.#hosts.has(origin.replace(/^https?:\/\//i, '').toLowerCase())) throw new HttpError(403, 'Origin not allowed');
  }
}
