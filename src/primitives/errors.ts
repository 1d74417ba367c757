/**
 * Every error class the primitives throw, in one place. Each has a stable `name` so callers can match on it
 * across package copies (instanceof fails when two versions of firebreak are installed).
 */

/** A step did not finish before its deadline. */
export class TimeoutError extends Error {
  override readonly name = 'TimeoutError';
  constructor(readonly step: string, readonly timeoutMs: number) {
    super(`step '${step}' timed out after ${timeoutMs} ms`);
  }
}

/** The circuit breaker guarding a step is open (or isolated): the call was rejected without running. */
export class BrokenCircuitError extends Error {
  override readonly name = 'BrokenCircuitError';
  constructor(readonly breaker: string, readonly retryAfterMs?: number) {
    super(`circuit '${breaker}' is open${retryAfterMs !== undefined ? `; next probe in ${Math.ceil(retryAfterMs)} ms` : ''}`);
  }
}

/** A bulkhead is full (all slots busy and the queue full): rejected at once, as backpressure. */
export class BulkheadRejectedError extends Error {
  override readonly name = 'BulkheadRejectedError';
  constructor(readonly step: string, readonly concurrency: number, readonly queue: number) {
    super(`bulkhead for '${step}' is full (${concurrency} running, ${queue} queued)`);
  }
}

/** Every alternative of a fallback failed; `errors` holds each cause in the order tried. */
export class FallbackError extends AggregateError {
  override readonly name = 'FallbackError';
  constructor(readonly steps: readonly string[], errors: readonly unknown[]) {
    super(errors, `all ${steps.length} alternatives failed: ${steps.map((s, i) => `${s}: ${describe(errors[i])}`).join('; ')}`);
  }
}

/** A router's selector returned a key with no route and there is no default. */
export class RouteNotFoundError extends Error {
  override readonly name = 'RouteNotFoundError';
  constructor(readonly key: string, readonly known: readonly string[]) {
    super(`no route '${key}'; known routes: ${known.join(', ')}`);
  }
}

/** Invalid options passed to a primitive (validated with zod at the public boundary). */
export class InvalidOptionsError extends Error {
  override readonly name = 'InvalidOptionsError';
  constructor(readonly primitive: string, readonly issues: readonly { path: string; message: string }[]) {
    super(`invalid options for ${primitive}: ${issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ')}`);
  }
}

/** True for the errors that mean "the caller gave up": AbortError (DOMException or ours) and TimeoutError is NOT one. */
export function isAbortError(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { name?: unknown }).name === 'AbortError';
}

export function describe(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return String(err);
}
