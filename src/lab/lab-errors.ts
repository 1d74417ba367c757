/** The lab could not start; everything it had started is torn down again. `cause` says which part failed. */
export class LabStartError extends Error {
  override readonly name = 'LabStartError';
  constructor(
    readonly part: string,
    override readonly cause: unknown,
  ) {
    super(`lab failed to start (${part}): ${cause instanceof Error ? cause.message : String(cause)}`);
  }
}

/** waitForAlert / waitForSlos ran out of time. `detail` is the last thing observed (pending alerts, failing checks). */
export class LabWaitTimeoutError extends Error {
  override readonly name = 'LabWaitTimeoutError';
  constructor(
    readonly waitingFor: string,
    readonly timeoutMs: number,
    readonly detail: string,
  ) {
    super(`timed out after ${timeoutMs} ms waiting for ${waitingFor}: ${detail}`);
  }
}

/** The lab has been stopped (by stop(), a signal or its AbortSignal). */
export class LabStoppedError extends Error {
  override readonly name = 'LabStoppedError';
  constructor() {
    super('the lab has been stopped');
  }
}
