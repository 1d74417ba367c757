import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { ServerNotification, ServerRequest } from '@modelcontextprotocol/sdk/types.js';

export type HandlerExtra = RequestHandlerExtra<ServerRequest, ServerNotification>;

export interface ProgressReporter {
  /** Reports one more step done; `total` when known. No-op when the client sent no progressToken. */
  step(message: string, total?: number): void;
  /** Steps reported so far. */
  readonly count: number;
}

/**
 * Progress notifications for one request (`notifications/progress`, tied to the request's progressToken).
 *
 * When to use: long tool calls (persona_ask, drill_run) whose client passed `_meta.progressToken`.
 * What it does: sends a strictly increasing `progress` with a human message; notifications go on the
 * request's own stream (HTTP) via `extra.sendNotification`.
 * Gotchas: never throws — a client that went away must not fail the work; progress stops after the
 * request's signal aborts (the spec forbids progress for a finished or cancelled request).
 */
export function progressReporter(extra: HandlerExtra): ProgressReporter {
  const token = extra._meta?.progressToken;
  let count = 0;
  return {
    get count() {
      return count;
    },
    step(message, total) {
      count++;
      if (token === undefined || extra.signal.aborted) return;
      const params = { progressToken: token, progress: count, message, ...(total !== undefined ? { total: Math.max(total, count) } : {}) };
      extra.sendNotification({ method: 'notifications/progress', params }).catch(() => undefined);
    },
  };
}
