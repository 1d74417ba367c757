/** Base class of every sandbox error, so callers can catch the whole family at once. */
export class SandboxError extends Error {
  override readonly name: string = 'SandboxError';
}

/**
 * The requested isolation backend cannot run on this host (bwrap missing, or the kernel refuses to create
 * namespaces). Raised at startup, never mid-call: a sandbox that silently degrades is worse than none.
 */
export class SandboxUnavailableError extends SandboxError {
  override readonly name = 'SandboxUnavailableError';
}

/** The sandbox configuration (workspace, limits, paths) is invalid; the message names the bad field. */
export class SandboxConfigError extends SandboxError {
  override readonly name = 'SandboxConfigError';
}

/** A run request is invalid at execution time (e.g. `cwd` resolves outside the workspace). */
export class SandboxRequestError extends SandboxError {
  override readonly name = 'SandboxRequestError';
}
