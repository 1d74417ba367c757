/** The Prometheus binary is not there (or not executable). */
export class PrometheusNotInstalledError extends Error {
  override readonly name = 'PrometheusNotInstalledError';
  constructor(readonly binary: string) {
    super(`prometheus binary not found or not executable at ${binary}: install it with \`apt-get install prometheus\` (or set FIREBREAK_PROMETHEUS_BIN)`);
  }
}

/** Prometheus exited or never became ready; `log` is the tail of its stderr. */
export class PrometheusStartError extends Error {
  override readonly name = 'PrometheusStartError';
  constructor(
    message: string,
    readonly log: string,
  ) {
    super(log ? `${message}\n--- prometheus log ---\n${log.trimEnd()}` : message);
  }
}

/** The HTTP API answered with `status: "error"` (bad PromQL, say) or a non-JSON / non-2xx response. */
export class PrometheusQueryError extends Error {
  override readonly name = 'PrometheusQueryError';
  constructor(
    readonly endpoint: string,
    readonly httpStatus: number,
    readonly errorType: string | undefined,
    detail: string,
  ) {
    super(`prometheus ${endpoint} failed (HTTP ${httpStatus}${errorType ? `, ${errorType}` : ''}): ${detail}`);
  }
}

/** Scrape targets or alert rules given to startPrometheus failed validation; the message names the field. */
export class PrometheusConfigError extends Error {
  override readonly name = 'PrometheusConfigError';
  constructor(readonly issues: readonly string[]) {
    super(`invalid prometheus lab config: ${issues.join('; ')}`);
  }
}
