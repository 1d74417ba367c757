import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ContentBlock } from '../models/types.js';
import { estimateBlockTokens } from '../models/usage.js';
import { PromptCacheModel } from './anthropic-wire-cache.js';
import { validateMessagesRequest } from './anthropic-wire-validate.js';

/** A scripted reply of the fake server: an assistant message, or an API error. */
export type WireScriptItem =
  | { content: ContentBlock[]; stopReason?: 'end_turn' | 'tool_use' | 'max_tokens' | 'stop_sequence' | 'refusal'; delayMs?: number }
  | { status: number; error: { type: string; message: string }; headers?: Record<string, string> };

export interface WireServerOptions {
  /** Replies in order, or a function of the request body and its 0-based index. */
  replies: readonly WireScriptItem[] | ((body: Record<string, unknown>, index: number) => WireScriptItem);
  /** Prompt prefixes shorter than this are not cached (the real API: ~1,024 tokens for Sonnet). Default 0. */
  minCacheableTokens?: number;
}

export interface RecordedWireRequest {
  headers: IncomingHttpHeaders;
  body: Record<string, unknown>;
}

export interface AnthropicWireServer {
  /** Pass as `baseURL` to anthropicModel / the Anthropic SDK. */
  readonly url: string;
  /** Every POST /v1/messages received, including rejected and aborted ones. */
  readonly requests: readonly RecordedWireRequest[];
  /** How many requests the client abandoned (closed the connection) before the reply was sent. */
  readonly aborted: number;
  close(): Promise<void>;
}

/** A 429 as Anthropic sends it; `retryAfterSeconds` becomes the retry-after header. */
export function rateLimited(retryAfterSeconds: number): WireScriptItem {
  return { status: 429, error: { type: 'rate_limit_error', message: 'Number of request tokens has exceeded your per-minute rate limit' }, headers: { 'retry-after': String(retryAfterSeconds) } };
}

/** A 529 overloaded_error, as during Anthropic capacity incidents. */
export function overloaded(): WireScriptItem {
  return { status: 529, error: { type: 'overloaded_error', message: 'Overloaded' } };
}

/**
 * A local HTTP server speaking the Anthropic Messages API wire format (POST /v1/messages), on 127.0.0.1
 * with a dynamic port.
 *
 * When to use: test your prompts, personas and anthropicModel configuration with the real SDK, offline.
 * What it does: checks authentication headers and the request rules the real API enforces (tool name
 * pattern, tool_result after every tool_use, at most 4 cache breakpoints…) and answers 400
 * invalid_request_error like the API when one is broken; otherwise serves the scripted replies as Message
 * objects with usage, including a prompt-cache model (cache writes and reads follow your cache_control
 * breakpoints) with tokens estimated at 3.5 characters per token. Errors use the API's body
 * `{ type: 'error', error: { type, message } }` and headers (retry-after).
 * Gotchas: always `await server.close()`; replies run out -> 500 api_error naming the request index.
 *
 * @example
 * const server = await anthropicWireServer({ replies: [{ content: [{ type: 'text', text: 'hi' }] }] });
 * const model = anthropicModel({ model: 'claude-test', apiKey: 'test', baseURL: server.url });
 */
export async function anthropicWireServer(opts: WireServerOptions): Promise<AnthropicWireServer> {
  const requests: RecordedWireRequest[] = [];
  const cache = new PromptCacheModel(opts.minCacheableTokens ?? 0);
  let aborted = 0;
  let served = 0;

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => sendError(res, 500, 'api_error', err instanceof Error ? err.message : String(err)));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    if (req.method !== 'POST' || req.url?.split('?')[0] !== '/v1/messages') return sendError(res, 404, 'not_found_error', `Not found: ${req.method} ${req.url}`);
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      return sendError(res, 400, 'invalid_request_error', 'Request body is not valid JSON');
    }
    requests.push({ headers: req.headers, body });
    if (!req.headers['x-api-key'] && !req.headers.authorization) return sendError(res, 401, 'authentication_error', 'x-api-key header is required');
    if (!req.headers['anthropic-version']) return sendError(res, 400, 'invalid_request_error', 'anthropic-version header is required');
    const problem = validateMessagesRequest(body);
    if (problem) return sendError(res, 400, 'invalid_request_error', problem);
    const index = served++;
    const item = typeof opts.replies === 'function' ? opts.replies(body, index) : opts.replies[index];
    if (!item) return sendError(res, 500, 'api_error', `fake server: no scripted reply for request ${index}`);
    if ('status' in item) return sendError(res, item.status, item.error.type, item.error.message, item.headers);
    if (item.delayMs) {
      const closed = await waitOrClose(res, item.delayMs);
      if (closed) {
        aborted++;
        return;
      }
    }
    const usage = cache.account(body);
    const stopReason = item.stopReason ?? (item.content.some((b) => b.type === 'tool_use') ? 'tool_use' : 'end_turn');
    send(res, 200, {
      id: `msg_fake_${String(index).padStart(4, '0')}`,
      type: 'message',
      role: 'assistant',
      model: body['model'],
      content: item.content,
      stop_reason: stopReason,
      stop_sequence: null,
      usage: {
        input_tokens: usage.input,
        output_tokens: estimateBlockTokens(item.content),
        cache_creation_input_tokens: usage.cacheWrite,
        cache_read_input_tokens: usage.cacheRead,
      },
    });
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    get aborted() {
      return aborted;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** Waits `ms`; resolves true early if the client hangs up (an aborted request). */
function waitOrClose(res: ServerResponse, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      res.off('close', onClose);
      resolve(false);
    }, ms);
    const onClose = (): void => {
      clearTimeout(timer);
      resolve(true);
    };
    res.once('close', onClose);
  });
}

function send(res: ServerResponse, status: number, payload: unknown, headers: Record<string, string> = {}): void {
  if (res.destroyed) return;
  res.writeHead(status, { 'content-type': 'application/json', 'request-id': `req_fake_${Date.now()}`, ...headers });
  res.end(JSON.stringify(payload));
}

function sendError(res: ServerResponse, status: number, type: string, message: string, headers?: Record<string, string>): void {
  send(res, status, { type: 'error', error: { type, message } }, headers);
}
