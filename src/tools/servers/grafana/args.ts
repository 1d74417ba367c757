import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { resolveGrafanaOptions, type ResolvedGrafanaOptions } from './config.js';
import { GrafanaConfigError } from './errors.js';
import type { BuiltinServer } from '../registry.js';
import { createGrafanaServer, grafanaServerFactory } from './server.js';

/** The server's options for `firebreak tools --help` (each flag overrides its environment variable). */
export const GRAFANA_USAGE = [
  '  --prometheus-url URL     Prometheus HTTP API, queried directly (env PROMETHEUS_URL)',
  '  --loki-url URL           Loki HTTP API, queried directly (env LOKI_URL)',
  '  --grafana-url URL        Grafana; its datasources via /api/datasources/proxy (env GRAFANA_URL)',
  '  --log-file [NAME=]PATH   JSON-lines log file served with LogQL as {job="NAME"} (repeatable; env LOG_FILES, comma-separated)',
  '  --annotations-file PATH  where create_annotation writes without Grafana (env ANNOTATIONS_FILE)',
  '  --request-timeout-ms N   deadline per backend request (default 30000)',
  '  --max-loki-log-limit N   most log lines per query_loki_logs call (default 100)',
  '  env: GRAFANA_SERVICE_ACCOUNT_TOKEN (or GRAFANA_API_KEY) for Grafana; at least one backend is required',
].join('\n');

const VALUE_FLAGS: Record<string, keyof ResolvedGrafanaOptions> = {
  '--prometheus-url': 'prometheusUrl',
  '--loki-url': 'lokiUrl',
  '--grafana-url': 'grafanaUrl',
  '--annotations-file': 'annotationsFile',
  '--request-timeout-ms': 'requestTimeoutMs',
  '--max-loki-log-limit': 'maxLokiLogLimit',
};
const NUMERIC = new Set<keyof ResolvedGrafanaOptions>(['requestTimeoutMs', 'maxLokiLogLimit']);

/**
 * Reads the server's settings from command-line flags and the environment (flags win), as the CLI and IDE
 * configs pass them. The Grafana token is read only from the environment: a flag would show it in `ps`.
 * Throws GrafanaConfigError naming the bad flag or variable.
 */
export function parseGrafanaArgs(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): ResolvedGrafanaOptions {
  const raw: Record<string, unknown> = {
    prometheusUrl: nonEmpty(env.PROMETHEUS_URL),
    lokiUrl: nonEmpty(env.LOKI_URL),
    grafanaUrl: nonEmpty(env.GRAFANA_URL),
    grafanaToken: nonEmpty(env.GRAFANA_SERVICE_ACCOUNT_TOKEN) ?? nonEmpty(env.GRAFANA_API_KEY),
    annotationsFile: nonEmpty(env.ANNOTATIONS_FILE),
  };
  const envFiles = (env.LOG_FILES ?? '').split(',').map((s) => s.trim()).filter(Boolean).map(logFileEntry);
  const flagFiles: { name?: string; path: string }[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const [flag, inline] = arg.includes('=') && arg.startsWith('--') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined || (inline === undefined && v.startsWith('--'))) throw new GrafanaConfigError(`${flag} needs a value`);
      return v;
    };
    if (flag === '--log-file') {
      flagFiles.push(logFileEntry(value()));
    } else if (flag in VALUE_FLAGS) {
      const key = VALUE_FLAGS[flag] as keyof ResolvedGrafanaOptions;
      const v = value();
      raw[key] = NUMERIC.has(key) ? Number(v) : v;
    } else {
      throw new GrafanaConfigError(`unknown option '${arg}'`);
    }
  }
  raw.logFiles = flagFiles.length > 0 ? flagFiles : envFiles;
  for (const key of Object.keys(raw)) if (raw[key] === undefined) delete raw[key];
  return resolveGrafanaOptions(raw);
}

/** `firebreak tools grafana`: the configured server, ready to be connected to a transport. */
export function grafanaServerFromArgs(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): McpServer {
  return createGrafanaServer(parseGrafanaArgs(argv, env));
}

/**
 * The registry entry for `firebreak tools grafana`. Takes the registry's options-error class so this module
 * needs no runtime import of the registry (which imports this one).
 */
export function grafanaBuiltin(optionsError: new (message: string) => Error): BuiltinServer {
  return {
    summary: 'metrics, logs, alert rules and annotations with tool names from grafana/mcp-grafana (Prometheus, Loki, Grafana or JSON-lines log files)',
    usage: GRAFANA_USAGE,
    async fromArgs(argv, env) {
      try {
        return grafanaServerFactory(parseGrafanaArgs(argv, env));
      } catch (err) {
        if (err instanceof GrafanaConfigError) throw new optionsError(err.message);
        throw err;
      }
    },
  };
}

function logFileEntry(spec: string): { name?: string; path: string } {
  const eq = spec.indexOf('=');
  const name = eq > 0 ? spec.slice(0, eq) : '';
  if (eq > 0 && /^[A-Za-z0-9_.-]+$/.test(name) && eq < spec.length - 1) return { name, path: spec.slice(eq + 1) };
  return { path: spec };
}

function nonEmpty(v: string | undefined): string | undefined {
  return v === undefined || v.trim() === '' ? undefined : v.trim();
}
