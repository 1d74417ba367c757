import { APIConnectionError, APIError, APIUserAbortError } from '@anthropic-ai/sdk';
import { ModelApiError } from './errors.js';

/** Statuses worth retrying: timeouts, rate limits, server errors and 529 overloaded. */
const RETRYABLE_STATUS = new Set([408, 409, 429, 500, 502, 503, 504, 529]);
const RETRYABLE_TYPE = new Set(['rate_limit_error', 'overloaded_error', 'api_error', 'timeout_error']);

/**
 * Turns an SDK failure into a ModelApiError (retryable or not, with retry-after), or returns the abort
 * reason when the caller cancelled, so that cancellation is never mistaken for a provider failure.
 */
export function classifyAnthropicError(err: unknown, signal: AbortSignal | undefined): unknown {
  if (err instanceof APIUserAbortError || signal?.aborted) return signal?.reason ?? err;
  if (err instanceof APIConnectionError) {
    return new ModelApiError(`anthropic: connection failed: ${err.message}`, { provider: 'anthropic', retryable: true, cause: err });
  }
  if (err instanceof APIError) {
    const status = typeof err.status === 'number' ? err.status : undefined;
    const body = err.error as { error?: { type?: unknown; message?: unknown } } | undefined;
    const errorType = typeof body?.error?.type === 'string' ? body.error.type : (err.type ?? undefined);
    const detail = typeof body?.error?.message === 'string' ? body.error.message : err.message;
    const retryAfter = err.headers ? retryAfterFromHeaders(err.headers) : undefined;
    return new ModelApiError(`anthropic: ${status ?? 'error'} ${errorType ?? 'unknown_error'}: ${detail}`, {
      provider: 'anthropic',
      ...(status !== undefined ? { status } : {}),
      ...(errorType ? { errorType } : {}),
      retryable: (status !== undefined && RETRYABLE_STATUS.has(status)) || (errorType !== undefined && RETRYABLE_TYPE.has(errorType)),
      ...(retryAfter !== undefined ? { retryAfterMs: retryAfter } : {}),
      ...(err.requestID ? { requestId: err.requestID } : {}),
      cause: err,
    });
  }
  return err;
}

/** retry-after-ms (Anthropic's precise header) wins; then retry-after as seconds or an HTTP date. */
export function retryAfterFromHeaders(headers: Headers): number | undefined {
  const ms = Number.parseFloat(headers.get('retry-after-ms') ?? '');
  if (Number.isFinite(ms) && ms >= 0) return ms;
  const raw = headers.get('retry-after');
  if (raw === null) return undefined;
  const seconds = Number.parseFloat(raw);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(raw);
  return Number.isFinite(date) ? Math.max(0, date - Date.now()) : undefined;
}

/** The predicate the Anthropic adapter hands to the retry primitive. */
export function isRetryableModelError(err: unknown): boolean {
  return err instanceof ModelApiError && err.retryable;
}
