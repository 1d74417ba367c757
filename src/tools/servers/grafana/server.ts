import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { resolveGrafanaOptions, type GrafanaServerOptions } from './config.js';
import { FileAnnotationStore } from './annotations-file.js';
import { Datasources } from './datasources.js';
import { registerAlertingTools } from './tools/alerting-tools.js';
import { registerAnnotationTools } from './tools/annotation-tools.js';
import { registerDatasourceTools } from './tools/datasource-tools.js';
import { registerLokiTools } from './tools/loki-tools.js';
import { registerPrometheusTools } from './tools/prometheus-tools.js';

const INSTRUCTIONS = `Observability tools named and shaped like grafana/mcp-grafana: metrics (query_prometheus,
list_prometheus_*), logs (query_loki_logs, list_loki_*; LogQL), alert rules with their firing state
(alerting_manage_rules), datasources (list_datasources) and timeline annotations (create_annotation).
Start with alerting_manage_rules {operation:"list"} to see what is firing, then list metric names before querying.`;

/**
 * The built-in grafana MCP server.
 *
 * When to use: give personas (or an IDE) metrics, logs and alerts — from a real Grafana, from Prometheus and
 * Loki directly, or from local JSON-lines log files when there is no Loki.
 * What it does: registers the mcp-grafana tools this project needs, each validating its arguments and
 * answering failures as isError results that name the bad field or the failing backend.
 * Gotchas: the returned server is not connected; connect it to a transport (stdio, HTTP, in-memory).
 * Options are validated here: throws GrafanaConfigError when no backend is configured.
 *
 * @example
 * const server = createGrafanaServer({ prometheusUrl: 'http://127.0.0.1:9090', logFiles: [{ name: 'api', path: '/var/log/api.jsonl' }] });
 * await server.connect(new StdioServerTransport());
 */
export function createGrafanaServer(options: GrafanaServerOptions): McpServer {
  return grafanaServerFactory(options)();
}

/**
 * A factory of grafana servers sharing one set of backend clients, caches and one annotations file writer:
 * what Streamable HTTP needs (one McpServer per session). Options are validated once, here.
 */
export function grafanaServerFactory(options: GrafanaServerOptions): () => McpServer {
  const opts = resolveGrafanaOptions(options);
  const secrets = opts.grafanaToken ? [opts.grafanaToken] : [];
  const datasources = new Datasources(opts, secrets);
  const annotations = opts.annotationsFile ? new FileAnnotationStore(opts.annotationsFile) : undefined;
  return () => {
    const server = new McpServer({ name: 'firebreak-grafana', version: '0.1.0' }, { instructions: INSTRUCTIONS });
    const deps = { server, datasources, annotations, maxLokiLogLimit: opts.maxLokiLogLimit };
    registerPrometheusTools(deps);
    registerLokiTools(deps);
    registerAlertingTools(deps);
    registerDatasourceTools(deps);
    registerAnnotationTools(deps);
    return server;
  };
}
