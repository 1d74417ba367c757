import { abortReason, raceAbort } from '../primitives/abort.js';
import { DrillPhaseError, DrillPhaseTimeoutError } from './errors.js';
import type { DrillPhase, PhaseRecord } from './types.js';

/** Progress of a drill, for a TTY display or a log: a phase started or ended. */
export interface DrillProgress {
  scenario: string;
  phase: DrillPhase;
  status: 'start' | 'end';
  /** ms since the drill started. */
  elapsedMs: number;
  ok?: boolean;
  error?: string;
}

/** How long past its deadline a phase's work may take to report its own timeout. */
const DEADLINE_GRACE_MS = 2_000;

/**
 * A wait inside a phase that gave up on its own deadline (the lab's waitForAlert/waitForSlos have one).
 * The phase reports it as a time-limit failure with this message as the detail.
 */
export class PhaseDeadlineError extends Error {
  override readonly name = 'PhaseDeadlineError';
}

/**
 * Runs the phases of one drill under their time limits and records each one. A phase gets its own
 * AbortSignal that fires on the limit or when the drill is cancelled; work that ignores it is raced, so a
 * stuck lab call can never hold the drill past its limit.
 */
export class PhaseClock {
  readonly records: PhaseRecord[] = [];
  readonly #started = Date.now();

  constructor(
    private readonly scenario: string,
    private readonly drillSignal: AbortSignal,
    private readonly onProgress?: (p: DrillProgress) => void,
  ) {}

  /** ms since the drill started. */
  elapsed(): number {
    return Date.now() - this.#started;
  }

  /**
   * Runs `fn` as `phase` with `limitMs`. Throws DrillPhaseTimeoutError past the limit, the cancel signal's
   * reason when cancelled, and DrillPhaseError wrapping anything else.
   * - `deadline` (ms since epoch, default now + limitMs) is what `fn` is told; a phase that shares its
   *   budget with an earlier one (detect after inject) passes the shared deadline.
   * - `fn` gets a short grace past the deadline before the phase is cut, so its own timeout — which says
   *   what it saw (pending alerts, failing SLO checks) — is the one reported.
   * - `cancel` defaults to the drill's signal; teardown passes one that never fires, so it runs after Ctrl-C.
   */
  async run<T>(
    phase: DrillPhase,
    limitMs: number,
    fn: (signal: AbortSignal, deadline: number) => Promise<T>,
    opts: { cancel?: AbortSignal; deadline?: number } = {},
  ): Promise<T> {
    const cancel = opts.cancel ?? this.drillSignal;
    const startedAt = Date.now();
    const deadline = opts.deadline ?? startedAt + limitMs;
    const controller = new AbortController();
    const onCancel = (): void => controller.abort(abortReason(cancel));
    cancel.addEventListener('abort', onCancel, { once: true });
    const timer = setTimeout(() => controller.abort(new DrillPhaseTimeoutError(phase, limitMs)), Math.max(0, deadline - startedAt) + DEADLINE_GRACE_MS);
    this.onProgress?.({ scenario: this.scenario, phase, status: 'start', elapsedMs: this.elapsed() });
    try {
      if (cancel.aborted) throw abortReason(cancel);
      const value = await raceAbort(fn(controller.signal, deadline), controller.signal);
      this.#record(phase, startedAt, true, false);
      return value;
    } catch (err) {
      const failure = cancel.aborted ? abortReason(cancel) : classify(phase, limitMs, err, controller.signal);
      this.#record(phase, startedAt, false, cancel.aborted, failure);
      throw failure;
    } finally {
      clearTimeout(timer);
      cancel.removeEventListener('abort', onCancel);
    }
  }

  #record(phase: DrillPhase, startedAt: number, ok: boolean, cancelled: boolean, failure?: unknown): void {
    const endedAt = Date.now();
    const record: PhaseRecord = { phase, startedAt: new Date(startedAt).toISOString(), endedAt: new Date(endedAt).toISOString(), durationMs: endedAt - startedAt, ok };
    if (failure !== undefined) {
      record.error = cancelled ? 'cancelled' : failure instanceof Error ? failure.message : String(failure);
      if (failure instanceof DrillPhaseTimeoutError) record.timedOut = true;
    }
    this.records.push(record);
    this.onProgress?.({ scenario: this.scenario, phase, status: 'end', elapsedMs: this.elapsed(), ok, ...(record.error ? { error: record.error } : {}) });
  }
}

function classify(phase: DrillPhase, limitMs: number, err: unknown, signal: AbortSignal): Error {
  if (signal.reason instanceof DrillPhaseTimeoutError) return signal.reason;
  if (err instanceof DrillPhaseTimeoutError || err instanceof DrillPhaseError) return err;
  if (err instanceof PhaseDeadlineError) return new DrillPhaseTimeoutError(phase, limitMs, err.message);
  return new DrillPhaseError(phase, err);
}
