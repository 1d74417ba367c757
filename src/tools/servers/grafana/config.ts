import { z } from 'zod';
import { GrafanaConfigError } from './errors.js';

const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });

export const grafanaOptionsSchema = z.strictObject({
  /** Prometheus HTTP API base URL, queried directly (datasource uid `prometheus`). */
  prometheusUrl: httpUrl.optional(),
  /** Loki HTTP API base URL, queried directly (datasource uid `loki`). */
  lokiUrl: httpUrl.optional(),
  /** Grafana base URL: its datasources are reached through /api/datasources/proxy/uid/{uid}. */
  grafanaUrl: httpUrl.optional(),
  /** Grafana service account token (sent as a Bearer token; never logged or returned). */
  grafanaToken: z.string().min(1).optional(),
  /** JSON-lines log files served with LogQL (datasource uid `logs`); `name` becomes the `job` label. */
  logFiles: z.array(z.strictObject({ name: z.string().regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, . _ -').optional(), path: z.string().min(1) })).default([]),
  /** Where create_annotation writes when there is no Grafana (JSON lines). */
  annotationsFile: z.string().min(1).optional(),
  /** Deadline for each request to a backend. */
  requestTimeoutMs: z.int().positive().default(30_000),
  /** The most log lines query_loki_logs returns, whatever `limit` asks for (mcp-grafana's default is 100). */
  maxLokiLogLimit: z.int().min(1).max(5_000).default(100),
  /** Only the last this-many bytes of each log file are read. */
  maxLogFileBytes: z.int().positive().default(64 * 1024 * 1024),
}).superRefine((o, ctx) => {
  if (!o.prometheusUrl && !o.lokiUrl && !o.grafanaUrl && o.logFiles.length === 0) {
    ctx.addIssue({ code: 'custom', path: [], message: 'configure at least one backend: PROMETHEUS_URL, LOKI_URL, GRAFANA_URL or LOG_FILES' });
  }
  if (o.grafanaToken && !o.grafanaUrl) ctx.addIssue({ code: 'custom', path: ['grafanaUrl'], message: 'required when a Grafana token is given' });
});

export type GrafanaServerOptions = z.input<typeof grafanaOptionsSchema>;
export type ResolvedGrafanaOptions = z.output<typeof grafanaOptionsSchema>;

/** Validates the server options; throws GrafanaConfigError naming every bad setting (never echoing the token). */
export function resolveGrafanaOptions(input: unknown): ResolvedGrafanaOptions {
  const parsed = grafanaOptionsSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`);
  throw new GrafanaConfigError(`invalid grafana server options: ${issues.join('; ')}`);
}
