export { createGrafanaServer, grafanaServerFactory } from './server.js';
export { grafanaServerFromArgs, grafanaBuiltin, parseGrafanaArgs, GRAFANA_USAGE } from './args.js';
export { resolveGrafanaOptions, type GrafanaServerOptions, type ResolvedGrafanaOptions } from './config.js';
export { GrafanaConfigError, BackendError, LogQLError, ToolInputError, DatasourceNotFoundError } from './errors.js';
export { parseLogQL, type LogQLQuery } from './logs/logql-parser.js';
export { compileLogQL } from './logs/logql-eval.js';
export { parseTime, parseDurationMs } from './time.js';
