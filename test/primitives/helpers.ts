import { pino } from 'pino';
import type { RunOptions, StepEvent } from '../../src/index.js';

/** Run options that keep test output clean (the default logger warns on stderr about every failure). */
export const silent: RunOptions = { logger: pino({ level: 'silent' }) };

/** Run options that also collect every event of the run. */
export function recording(extra: RunOptions = {}): { opts: RunOptions; events: StepEvent[] } {
  const events: StepEvent[] = [];
  return { events, opts: { ...silent, ...extra, onEvent: (e) => events.push(e) } };
}

/** An error carrying an HTTP-ish status, like the model adapters' errors. */
export class HttpError extends Error {
  override readonly name = 'HttpError';
  constructor(readonly status: number, readonly retryAfterMs?: number) {
    super(`HTTP ${status}`);
  }
}

/** A promise plus its resolve/reject, for steps the test finishes by hand. */
export function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void; reject: (e: unknown) => void } {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** A promise that settles when `signal` aborts (with its reason), for steps that honour cancellation. */
export function untilAborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}
