import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { McpError, ErrorCode } from '@modelcontextprotocol/sdk/types.js';
import {
  backoff,
  bulkhead,
  CircuitBreaker,
  circuitBreaker,
  defaultRetryOn,
  raceAbort,
  retry,
  router,
  timeout,
  type Context,
  type Step,
} from '../../primitives/index.js';
import type { ServerPolicy } from './config.js';
import type { ServerConnection } from './connection.js';
import { ServerUnavailableError } from './errors.js';

/** What one call asks of a server's pipeline. */
export interface CallInput {
  /** Qualified `server.tool`. */
  name: string;
  args: Record<string, unknown>;
  readOnly: boolean;
  meta: Record<string, unknown> | undefined;
}

/** The server answered: a tool result, a JSON-RPC error, or "no such tool" after a reconnect. */
export type CallOutput =
  | { kind: 'result'; result: { content?: unknown; structuredContent?: unknown; isError?: unknown } }
  | { kind: 'protocol-error'; message: string }
  | { kind: 'unknown-tool' };

/** A server's guarded call path plus the breaker and bulkhead behind it (for status and tests). */
export interface ServerPipeline {
  step: Step<CallInput, CallOutput>;
  breaker: CircuitBreaker;
  bulkhead: { readonly running: number; readonly queued: number };
}

// Errors the local SDK raises for a connection problem, as opposed to an answer from the server.
const LOCAL_CODES = new Set<number>([ErrorCode.ConnectionClosed, ErrorCode.RequestTimeout]);

/**
 * Builds one server's call path from the public primitives:
 *
 *   bulkhead( router{ read: retry(guarded), write: guarded } ),  guarded = circuitBreaker(timeout(call))
 *
 * The bulkhead caps calls in flight to the server; only tools marked readOnlyHint are retried; the breaker
 * sits inside the retry so an open circuit is never hammered (BrokenCircuitError is not retried); the
 * timeout sits inside the breaker so a timed-out attempt counts as a failure, and its abort reaches the
 * SDK, which sends notifications/cancelled to the server. A server's JSON-RPC error is an answer, not a
 * failure: it is returned, so it neither trips the breaker nor gets retried.
 */
export function buildPipeline(conn: ServerConnection, policy: ServerPolicy): ServerPipeline {
  const name = `mcp:${conn.name}`;
  // The SDK's own request timeout is only a backstop, well behind ours, so ours is what fires.
  const backstopMs = policy.callTimeoutMs * 2 + 1_000;
  const call: Step<CallInput, CallOutput> = {
    name,
    kind: 'mcp-call',
    transparent: true,
    durable: false,
    run: (input, ctx) => callServer(conn, input, ctx, backstopMs),
  };
  const breaker = new CircuitBreaker({
    name: conn.name,
    failureThreshold: policy.breaker.failureThreshold,
    halfOpenAfterMs: policy.breaker.halfOpenAfterMs,
  });
  const guarded = circuitBreaker(timeout(call, policy.callTimeoutMs), breaker);
  const retried = policy.retry.attempts > 1
    ? retry(guarded, {
        attempts: policy.retry.attempts,
        backoff: backoff.exponential({ initialMs: Math.max(1, policy.retry.initialDelayMs), maxMs: Math.max(1, policy.retry.maxDelayMs, policy.retry.initialDelayMs) }),
        // A server that is backing off for longer than we would wait anyway is not worth waiting for.
        retryOn: (err, attempt) => defaultRetryOn(err, attempt) && !(err instanceof ServerUnavailableError && (err.retryAfterMs ?? 0) > policy.retry.maxDelayMs),
      })
    : guarded;
  const routed: Step<CallInput, CallOutput> = router({
    select: (input: CallInput) => (input.readOnly ? 'read' : 'write'),
    routes: { read: retried, write: guarded },
  });
  const limited = bulkhead(routed, { concurrency: policy.bulkhead.concurrency, queue: policy.bulkhead.queue });
  return { step: limited, breaker, bulkhead: limited };
}

function callServer(conn: ServerConnection, input: CallInput, ctx: Context, backstopMs: number): Promise<CallOutput> {
  // Hot path: connected, so no promise and no listener before the request itself.
  const live = conn.live;
  if (live !== undefined) return send(live, conn, input, ctx, backstopMs);
  return raceAbort(conn.client(), ctx.signal).then((client) => send(client, conn, input, ctx, backstopMs));
}

function send(client: Client, conn: ServerConnection, input: CallInput, ctx: Context, backstopMs: number): Promise<CallOutput> {
  const tool = conn.tools.get(input.name);
  if (!tool) return Promise.resolve({ kind: 'unknown-tool' });
  const params: { name: string; arguments: Record<string, unknown>; _meta?: Record<string, unknown> } = {
    name: tool.remoteName,
    arguments: input.args,
  };
  if (input.meta) params._meta = input.meta;
  return client.callTool(params, undefined, { signal: ctx.signal, timeout: backstopMs }).then(
    (result): CallOutput => ({ kind: 'result', result: result as { content?: unknown; structuredContent?: unknown; isError?: unknown } }),
    (err: unknown): CallOutput => {
      // Our deadline or the caller's abort: surface the signal's reason (a TimeoutError from timeout()).
      if (ctx.signal.aborted) throw ctx.signal.reason ?? err;
      if (err instanceof McpError && !LOCAL_CODES.has(err.code)) return { kind: 'protocol-error', message: err.message };
      const reason = err instanceof Error ? err.message : String(err);
      conn.markBroken(reason);
      throw new ServerUnavailableError(conn.name, reason);
    },
  );
}
