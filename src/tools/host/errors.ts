/**
 * The tool host's typed errors. Each has a stable `name` so callers can match across package copies.
 * Most never reach a persona as exceptions: `ToolHost.call` turns them into `isError` results.
 */

/** The tool host configuration is invalid; the message names every bad field. */
export class ToolHostConfigError extends Error {
  override readonly name = 'ToolHostConfigError';
  constructor(readonly issues: readonly { path: string; message: string }[]) {
    super(`invalid tool host config: ${issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ')}`);
  }
}

/** A server cannot be reached right now (failed to start, exited, dropped its connection, backing off). */
export class ServerUnavailableError extends Error {
  override readonly name = 'ServerUnavailableError';
  constructor(
    readonly server: string,
    readonly reason: string,
    /** When the host will next try to reconnect; absent when it will try on the very next call. */
    readonly retryAfterMs?: number,
  ) {
    super(
      `server '${server}' is unavailable: ${reason}` +
        (retryAfterMs !== undefined && retryAfterMs > 0 ? `; next reconnect attempt in ${Math.ceil(retryAfterMs)} ms` : ''),
    );
  }
}

/** The host was closed; no more calls are accepted. */
export class ToolHostClosedError extends Error {
  override readonly name = 'ToolHostClosedError';
  constructor() {
    super('the tool host is closed');
  }
}

/** Connecting to a server failed; carries the tail of a stdio server's stderr, the usual explanation. */
export class ServerStartError extends Error {
  override readonly name = 'ServerStartError';
  /** A system error code such as ENOENT (the command does not exist). */
  readonly code: string | undefined;
  /** The HTTP status a Streamable HTTP server answered with (401: bad credentials). */
  readonly httpStatus: number | undefined;
  constructor(message: string, readonly stderr: string | undefined, options?: { cause?: unknown }) {
    const code = (options?.cause as { code?: unknown } | undefined)?.code;
    const httpStatus = typeof code === 'number' && code >= 100 && code < 600 ? code : undefined;
    super(httpStatus !== undefined ? `HTTP ${httpStatus}: ${message}` : message, options);
    this.code = typeof code === 'string' ? code : undefined;
    this.httpStatus = httpStatus;
  }
}
