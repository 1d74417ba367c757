/**
 * The grafana server's typed errors. Tool handlers turn every one of them into an `isError` result, so
 * a persona reads what went wrong; none of them ever crosses the MCP boundary as an exception.
 */

/** The server's own configuration (env vars, --flags) is invalid; the message names the setting. */
export class GrafanaConfigError extends Error {
  override readonly name = 'GrafanaConfigError';
}

/** A tool argument is invalid in a way the schema cannot express; the message starts with the field. */
export class ToolInputError extends Error {
  override readonly name = 'ToolInputError';
  constructor(readonly field: string, message: string) {
    super(`${field}: ${message}`);
  }
}

/** A backend (Prometheus, Loki, Grafana) answered with an error or could not be reached. */
export class BackendError extends Error {
  override readonly name = 'BackendError';
  constructor(
    readonly backend: string,
    message: string,
    /** HTTP status, when the backend answered at all. */
    readonly status?: number,
  ) {
    super(`${backend}: ${message}`);
  }
}

/** A LogQL query the file log backend cannot parse or does not support; `position` is 0-based. */
export class LogQLError extends Error {
  override readonly name = 'LogQLError';
  constructor(message: string, readonly position?: number) {
    super(position === undefined ? `logql: ${message}` : `logql: ${message} (at character ${position + 1})`);
  }
}

/** No datasource matches the uid (or none of the type is configured). */
export class DatasourceNotFoundError extends Error {
  override readonly name = 'DatasourceNotFoundError';
}
