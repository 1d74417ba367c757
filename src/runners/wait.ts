import { raceAbort } from '../primitives/index.js';
import { ResultTimeoutError } from './errors.js';
import type { ResultOptions } from './types.js';

/** Waits for `settled`, giving up with ResultTimeoutError after `timeoutMs` or with the abort reason. */
export async function waitForSettled(settled: Promise<void>, runId: string, opts: ResultOptions): Promise<void> {
  const signals: AbortSignal[] = [];
  if (opts.signal) signals.push(opts.signal);
  if (opts.timeoutMs !== undefined) signals.push(AbortSignal.timeout(opts.timeoutMs));
  if (signals.length === 0) return settled;
  try {
    await raceAbort(settled, AbortSignal.any(signals));
  } catch (err) {
    if (opts.timeoutMs !== undefined && !opts.signal?.aborted) throw new ResultTimeoutError(runId, opts.timeoutMs);
    throw err;
  }
}
