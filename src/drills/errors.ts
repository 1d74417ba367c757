import type { DrillPhase } from './types.js';

/** A drill phase ran past the limit the scenario gives it. The message is the report's failure reason. */
export class DrillPhaseTimeoutError extends Error {
  override readonly name = 'DrillPhaseTimeoutError';
  constructor(
    readonly phase: DrillPhase,
    readonly limitMs: number,
    detail?: string,
  ) {
    super(`${phase} phase exceeded its ${formatSeconds(limitMs)} limit${detail ? `: ${detail}` : ''}`);
  }
}

/** A phase failed for a reason other than time (the lab did not start, the responder threw, ...). */
export class DrillPhaseError extends Error {
  override readonly name = 'DrillPhaseError';
  constructor(
    readonly phase: DrillPhase,
    override readonly cause: unknown,
  ) {
    super(`${phase} phase failed: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
}

/** The default responder cannot run (the incident workflow is not wired, or the model choice is unusable). */
export class ResponderUnavailableError extends Error {
  override readonly name = 'ResponderUnavailableError';
}

/** Bad input to the drill CLI or API (unknown scenario, bad --model); the CLI exits 2 on it. */
export class DrillInputError extends Error {
  override readonly name = 'DrillInputError';
}

function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}
