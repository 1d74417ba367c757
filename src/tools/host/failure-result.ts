import { BrokenCircuitError, BulkheadRejectedError, TimeoutError } from '../../primitives/index.js';
import { ServerUnavailableError, ToolHostClosedError } from './errors.js';
import type { CallOutcome } from './events.js';

export interface FailureAnswer {
  raw: { content: { type: 'text'; text: string }[]; isError: true };
  outcome: CallOutcome;
}

const LISTED_TOOLS = 30;

/**
 * Turns a failed call into the `isError` result a persona sees: what happened, in words a model can act on
 * (retry later, use another tool, narrow the query). Matching is by error `name`, so copies of the
 * primitives from another package version are recognised too.
 */
export function failureResult(tool: string, cause: unknown, known: readonly string[]): FailureAnswer {
  if (cause === 'unknown-tool') {
    const list = known.slice(0, LISTED_TOOLS).join(', ');
    const more = known.length > LISTED_TOOLS ? `, … (${known.length - LISTED_TOOLS} more)` : '';
    return answer(`unknown tool '${tool}'. ${known.length ? `Available tools: ${list}${more}` : 'No tools are available from that server.'}`, 'unknown-tool');
  }
  if (isProtocolError(cause)) return answer(`${tool}: the server rejected the call: ${cause.message}`, 'protocol-error');
  const name = typeof cause === 'object' && cause !== null ? (cause as { name?: unknown }).name : undefined;
  switch (name) {
    case 'TimeoutError': {
      const ms = (cause as TimeoutError).timeoutMs;
      return answer(`${tool}: no answer within ${ms} ms; the call was cancelled on the server. Try a narrower query or try again later.`, 'timeout');
    }
    case 'BrokenCircuitError': {
      const wait = (cause as BrokenCircuitError).retryAfterMs;
      const when = wait !== undefined ? ` for about ${Math.ceil(wait / 1000)} s more` : '';
      return answer(`${tool}: server '${(cause as BrokenCircuitError).breaker}' keeps failing, so calls to it are refused${when} (circuit open). Use other tools meanwhile.`, 'breaker-open');
    }
    case 'BulkheadRejectedError': {
      const b = cause as BulkheadRejectedError;
      return answer(`${tool}: the server is saturated (${b.concurrency} calls running, ${b.queue} queued); try again shortly.`, 'rejected');
    }
    case 'ServerUnavailableError':
      return answer(`${tool}: ${(cause as ServerUnavailableError).message}`, 'unavailable');
    case 'ToolHostClosedError':
      return answer(`${tool}: ${(cause as ToolHostClosedError).message}`, 'unavailable');
    default:
      return answer(`${tool}: the call failed: ${cause instanceof Error ? cause.message : String(cause)}`, 'unavailable');
  }
}

function isProtocolError(cause: unknown): cause is { kind: 'protocol-error'; message: string } {
  return typeof cause === 'object' && cause !== null && (cause as { kind?: unknown }).kind === 'protocol-error';
}

function answer(text: string, outcome: CallOutcome): FailureAnswer {
  return { raw: { content: [{ type: 'text', text }], isError: true }, outcome };
}
