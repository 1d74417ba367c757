import { z } from 'zod';
import { BackendError } from './errors.js';
import { getJson, type HttpTarget } from './http.js';

/**
 * A client for the Prometheus HTTP API (/api/v1/...), reached directly or through Grafana's datasource
 * proxy — the same paths either way, only the base URL and the auth header differ. Grafana-managed alert
 * rules are served in the same Prometheus-compatible shape (/api/prometheus/grafana/api/v1/rules).
 */

const envelope = z.object({
  status: z.enum(['success', 'error']),
  data: z.unknown().optional(),
  errorType: z.string().optional(),
  error: z.string().optional(),
  warnings: z.array(z.string()).optional(),
});

export const queryDataSchema = z.object({
  resultType: z.enum(['matrix', 'vector', 'scalar', 'string']),
  result: z.unknown(),
});
export type QueryData = z.infer<typeof queryDataSchema>;

const alertSchema = z.object({
  labels: z.record(z.string(), z.string()).default({}),
  annotations: z.record(z.string(), z.string()).default({}),
  state: z.string(),
  activeAt: z.string().optional(),
  value: z.string().optional(),
});

const ruleSchema = z.object({
  name: z.string(),
  query: z.string().default(''),
  type: z.enum(['alerting', 'recording']),
  duration: z.number().optional(),
  labels: z.record(z.string(), z.string()).default({}),
  annotations: z.record(z.string(), z.string()).default({}),
  alerts: z.array(alertSchema).default([]),
  health: z.string().default('unknown'),
  lastError: z.string().optional(),
  lastEvaluation: z.string().optional(),
  state: z.string().optional(),
  // Grafana-managed rules carry their UID and folder.
  uid: z.string().optional(),
  folderUid: z.string().optional(),
});

const rulesDataSchema = z.object({
  groups: z.array(z.object({
    name: z.string(),
    file: z.string().default(''),
    folderUid: z.string().optional(),
    rules: z.array(ruleSchema).default([]),
  })),
});

export type PromAlert = z.infer<typeof alertSchema>;
export type PromRule = z.infer<typeof ruleSchema>;
export type PromRuleGroup = z.infer<typeof rulesDataSchema>['groups'][number];

const stringList = z.array(z.string());

export class PrometheusClient {
  constructor(readonly target: HttpTarget, private readonly rulesPath = '/api/v1/rules') {}

  async query(expr: string, timeMs: number, signal?: AbortSignal): Promise<QueryData> {
    return this.#data('/api/v1/query', { query: expr, time: seconds(timeMs) }, queryDataSchema, signal);
  }

  async queryRange(expr: string, startMs: number, endMs: number, stepSeconds: number, signal?: AbortSignal): Promise<QueryData> {
    return this.#data('/api/v1/query_range', { query: expr, start: seconds(startMs), end: seconds(endMs), step: stepSeconds }, queryDataSchema, signal);
  }

  async labelValues(label: string, opts: { match?: string[]; startMs?: number; endMs?: number }, signal?: AbortSignal): Promise<string[]> {
    return this.#data(`/api/v1/label/${encodeURIComponent(label)}/values`, rangeQuery(opts), stringList, signal);
  }

  async labelNames(opts: { match?: string[]; startMs?: number; endMs?: number }, signal?: AbortSignal): Promise<string[]> {
    return this.#data('/api/v1/labels', rangeQuery(opts), stringList, signal);
  }

  async rules(signal?: AbortSignal): Promise<PromRuleGroup[]> {
    return (await this.#data(this.rulesPath, {}, rulesDataSchema, signal)).groups;
  }

  async #data<T extends z.ZodType>(path: string, query: Record<string, string | number | string[] | undefined>, schema: T, signal?: AbortSignal): Promise<z.output<T>> {
    // A 400/422 envelope's `error` (what is wrong with the query) is surfaced by getJson's BackendError.
    const raw = await getJson(this.target, path, query, signal);
    const body = envelope.safeParse(raw);
    if (!body.success) throw new BackendError(this.target.name, `${path} answered an unexpected shape`);
    if (body.data.status === 'error') throw new BackendError(this.target.name, `${body.data.errorType ?? 'error'}: ${body.data.error ?? 'unknown error'}`);
    const data = schema.safeParse(body.data.data);
    if (!data.success) {
      const issue = data.error.issues[0];
      throw new BackendError(this.target.name, `${path} answered unexpected data at ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? ''}`);
    }
    return data.data;
  }
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(3);
}

function rangeQuery(opts: { match?: string[]; startMs?: number; endMs?: number }): Record<string, string | string[] | undefined> {
  return {
    'match[]': opts.match && opts.match.length > 0 ? opts.match : undefined,
    start: opts.startMs !== undefined ? seconds(opts.startMs) : undefined,
    end: opts.endMs !== undefined ? seconds(opts.endMs) : undefined,
  };
}
