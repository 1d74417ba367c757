/**
 * Small, allocation-conscious helpers for cancellation. Every wait in firebreak goes through these, so a
 * sleeping retry, a queued bulkhead call or a parallel branch all give up the moment their signal aborts —
 * and leave no timer or listener behind.
 */

/** The value a cancelled operation rejects with: the signal's reason, or a DOMException named AbortError. */
export function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('This operation was aborted', 'AbortError');
}

/** A signal that never aborts, shared so that runs without a signal allocate nothing. */
export const NEVER_ABORTED: AbortSignal = new AbortController().signal;

/**
 * Resolves after `ms`, or rejects with the abort reason as soon as `signal` aborts. The timer and the
 * listener are both released either way.
 */
export function sleep(ms: number, signal: AbortSignal = NEVER_ABORTED): Promise<void> {
  if (signal.aborted) return Promise.reject(abortReason(signal));
  if (ms <= 0) return Promise.resolve();
  return new Promise<void>((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(abortReason(signal));
    };
    // setTimeout turns delays above 2^31-1 ms into 1 ms; cap instead (24.8 days is "forever" for a retry).
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, Math.min(ms, 2_147_483_647));
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Settles like `promise`, but rejects as soon as `signal` aborts. Use it where the awaited work may ignore
 * its signal (user code), so the caller is never held hostage. The work itself is not stopped by this:
 * `onAbort`, when given, runs (once, before the rejection) if the signal wins the race — e.g. to stop work
 * shared with other callers once the last of them has left.
 */
export function raceAbort<T>(promise: Promise<T>, signal: AbortSignal, onAbort?: () => void): Promise<T> {
  if (signal === NEVER_ABORTED) return promise;
  if (signal.aborted) {
    promise.catch(() => undefined);
    onAbort?.();
    return Promise.reject(abortReason(signal));
  }
  return new Promise<T>((resolve, reject) => {
    const onSignal = (): void => {
      promise.catch(() => undefined);
      onAbort?.();
      reject(abortReason(signal));
    };
    signal.addEventListener('abort', onSignal, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onSignal);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onSignal);
        reject(err);
      },
    );
  });
}

/**
 * A controller whose signal aborts when `parent` does (with the parent's reason). Call `dispose()` when the
 * child scope ends so the parent does not keep a listener per child forever.
 */
export function childController(parent: AbortSignal): { controller: AbortController; dispose: () => void } {
  const controller = new AbortController();
  if (parent === NEVER_ABORTED) return { controller, dispose: noop };
  if (parent.aborted) {
    controller.abort(parent.reason);
    return { controller, dispose: noop };
  }
  const onAbort = (): void => controller.abort(parent.reason);
  parent.addEventListener('abort', onAbort, { once: true });
  return { controller, dispose: () => parent.removeEventListener('abort', onAbort) };
}

function noop(): void {}
