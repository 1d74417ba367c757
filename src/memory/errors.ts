import { redactText } from '../security/redact.js';

/**
 * Every error class the memory module throws. Each has a stable `name` so callers can match on it across
 * package copies (instanceof fails when two versions of firebreak are installed).
 */

/** A value (or event, or journaled output) is not plain JSON; nothing was written. `path` locates the culprit. */
export class MemoryValueError extends Error {
  override readonly name = 'MemoryValueError';
  constructor(readonly path: string, readonly reason: string) {
    super(`${path} ${reason}; memory stores plain JSON only (objects, arrays, strings, finite numbers, booleans, null)`);
  }
}

/** A serialized value is over the store's size limit; nothing was written. */
export class MemoryValueTooLargeError extends Error {
  override readonly name = 'MemoryValueTooLargeError';
  constructor(readonly path: string, readonly bytes: number, readonly limitBytes: number) {
    // A signal's limit is fixed (what PostgreSQL's NOTIFY carries); everything else follows the store's option.
    const hint = path === 'payload' ? 'signals are small: store the data in an entry and signal its key' : 'openMemory option maxValueBytes';
    super(`${path} is ${bytes} bytes of JSON, over the limit of ${limitBytes} bytes (${hint})`);
  }
}

/** A namespace or key is unusable (empty, too long, contains NUL, or looks like it holds a secret). */
export class MemoryKeyError extends Error {
  override readonly name = 'MemoryKeyError';
  constructor(readonly field: 'ns' | 'key' | 'runId' | 'path' | 'topic', readonly reason: string) {
    super(`${field} ${reason}`);
  }
}

/** A memory URL could not be understood. The URL in the message has its password removed. */
export class MemoryUrlError extends Error {
  override readonly name = 'MemoryUrlError';
  constructor(readonly url: string, readonly reason: string) {
    super(`memory URL '${url}': ${reason}`);
  }
}

/** The backend could not be reached or initialised (server down, wrong credentials, unwritable file). */
export class MemoryUnavailableError extends Error {
  override readonly name = 'MemoryUnavailableError';
  constructor(readonly backend: string, readonly url: string, cause: unknown) {
    // The driver's message may echo connection details; it goes through the one redaction module.
    super(`cannot open ${backend} memory at '${url}': ${redactText(cause instanceof Error ? cause.message : String(cause))}`, { cause });
  }
}

/** The store (or a journal borrowed from it) was used after close(). */
export class MemoryClosedError extends Error {
  override readonly name = 'MemoryClosedError';
  constructor(readonly backend: string) {
    super(`the ${backend} memory store is closed`);
  }
}

/** A memory step (remember/recall) ran without memory: pass `memory: scoped(store, ns)` to run(). */
export class MemoryNotConfiguredError extends Error {
  override readonly name = 'MemoryNotConfiguredError';
  constructor(readonly step: string) {
    super(`step '${step}' needs memory: run(workflow, input, { memory: scoped(store, namespace) })`);
  }
}

/**
 * A run is being resumed with a workflow whose structure differs from the one that started it. Resuming would
 * mix outputs of two different workflows, so the run is refused before any step runs.
 */
export class JournalMismatchError extends Error {
  override readonly name = 'JournalMismatchError';
  constructor(
    readonly runId: string,
    /** The first place where the structures differ. */
    readonly path: string,
    /** What the journal recorded there (undefined: nothing, the workflow gained a step). */
    readonly recorded: string | undefined,
    /** What the workflow has there now (undefined: nothing, the step was removed). */
    readonly current: string | undefined,
  ) {
    super(
      `run '${runId}' was journaled with a different workflow (first difference at '${path}'): the journal has ` +
        `${recorded ?? 'nothing there'}, the workflow has ${current ?? 'nothing there'}. ` +
        `Use a new runId, or journal.forget('${runId}') to start this run over.`,
    );
  }
}

/** A durable step's output cannot be journaled (not JSON, too large). */
export class JournalOutputError extends Error {
  override readonly name = 'JournalOutputError';
  constructor(readonly runId: string, readonly path: string, readonly reason: string, cause?: unknown) {
    super(
      `cannot journal the output of step '${path}' (run '${runId}'): ${reason}. Return JSON from the step, ` +
        `or mark it step(name, fn, { durable: false }) so it re-runs on resume instead of being replayed`,
      cause === undefined ? undefined : { cause },
    );
  }
}
