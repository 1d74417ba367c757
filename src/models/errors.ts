/**
 * Every error class the models layer throws, in one place, each with a stable `name` (instanceof fails
 * across two installed copies of firebreak; the name does not).
 */

/**
 * The model provider answered with an error (HTTP status + provider error type). `retryAfterMs` is set from
 * the retry-after header so the retry primitive waits at least that long; `retryable` says whether a
 * retry can help (rate limits, overload, 5xx, connection failures).
 */
export class ModelApiError extends Error {
  override readonly name = 'ModelApiError';
  constructor(
    message: string,
    readonly info: {
      provider: string;
      status?: number;
      errorType?: string;
      retryable: boolean;
      retryAfterMs?: number;
      requestId?: string;
      cause?: unknown;
    },
  ) {
    super(message, info.cause === undefined ? undefined : { cause: info.cause });
  }
  get status(): number | undefined {
    return this.info.status;
  }
  get errorType(): string | undefined {
    return this.info.errorType;
  }
  get retryable(): boolean {
    return this.info.retryable;
  }
  /** Read by the retry primitive: wait at least this long before the next attempt. */
  get retryAfterMs(): number | undefined {
    return this.info.retryAfterMs;
  }
}

/** A scripted model was asked for more responses than it was given. */
export class ScriptExhaustedError extends Error {
  override readonly name = 'ScriptExhaustedError';
  constructor(readonly modelId: string, readonly calls: number) {
    super(`scripted model '${modelId}' has no response for call ${calls} (it holds ${calls - 1})`);
  }
}

/**
 * A replayed request differs from the recorded one. `field` is the first differing path
 * (e.g. `messages[2].content[0].text`), so a changed prompt or tool schema is found at a glance.
 */
export class ReplayMismatchError extends Error {
  override readonly name = 'ReplayMismatchError';
  constructor(
    readonly file: string,
    readonly exchange: number,
    readonly field: string,
    readonly expected: unknown,
    readonly actual: unknown,
  ) {
    super(
      `replay ${file}: request does not match recorded exchange ${exchange}: first difference at '${field}': ` +
        `recorded ${preview(expected)}, got ${preview(actual)}`,
    );
  }
}

/** A cassette file is missing, unreadable or malformed (the message names the line). */
export class CassetteError extends Error {
  override readonly name = 'CassetteError';
  constructor(readonly file: string, message: string, options?: { cause?: unknown }) {
    super(`cassette ${file}: ${message}`, options);
  }
}

/** A model call that failed while recording, served back by replay exactly as it failed. */
export class ReplayedModelError extends Error {
  override readonly name = 'ReplayedModelError';
  constructor(readonly originalName: string, message: string, readonly status?: number) {
    super(`${originalName}: ${message}`);
  }
}

/**
 * A deterministic policy (playbook) reached a situation its rules do not cover, or a rule asked to escalate.
 * It never guesses: the workflow should hand the incident to a human (e.g. `fallback(persona, page)`).
 */
export class EscalationError extends Error {
  override readonly name = 'EscalationError';
  constructor(
    readonly source: string,
    readonly reason: string,
    readonly facts: readonly string[] = [],
  ) {
    super(`${source}: ${reason}; escalating to a human${facts.length ? ` (known facts: ${facts.join(', ')})` : ''}`);
  }
}

function preview(value: unknown): string {
  const text = value === undefined ? 'nothing' : JSON.stringify(value);
  return text.length > 160 ? text.slice(0, 157) + '...' : text;
}
