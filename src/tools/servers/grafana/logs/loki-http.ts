import { z } from 'zod';
import { BackendError } from '../errors.js';
import { getJson, type HttpTarget } from '../http.js';
import { msToNs, orderAndLimit, type LogEntry, type LogQuery, type LogQueryResult, type LogsBackend } from './types.js';

const envelope = z.object({ status: z.string(), data: z.unknown(), error: z.string().optional() });
const streamsSchema = z.array(z.object({ stream: z.record(z.string(), z.string()).default({}), values: z.array(z.tuple([z.string(), z.string()]).rest(z.unknown())) }));
const sample = z.tuple([z.union([z.number(), z.string()]), z.string()]);
const matrixSchema = z.array(z.object({ metric: z.record(z.string(), z.string()).default({}), values: z.array(sample) }));
const vectorSchema = z.array(z.object({ metric: z.record(z.string(), z.string()).default({}), value: sample }));
const queryDataSchema = z.object({ resultType: z.enum(['streams', 'vector', 'matrix']), result: z.unknown() });
const stringList = z.array(z.string());

/** The Loki HTTP API (/loki/api/v1/...), directly or through Grafana's datasource proxy. */
export class LokiHttpClient implements LogsBackend {
  constructor(readonly target: HttpTarget) {}

  get name(): string {
    return this.target.name;
  }

  async query(q: LogQuery, signal?: AbortSignal): Promise<LogQueryResult> {
    const data = await this.#data('/loki/api/v1/query_range', {
      query: q.logql,
      start: msToNs(q.startMs),
      end: msToNs(q.endMs),
      limit: q.limit,
      direction: q.direction,
    }, queryDataSchema, signal);
    switch (data.resultType) {
      case 'streams': {
        const streams = this.#parse(streamsSchema, data.result, 'streams');
        const entries: LogEntry[] = streams.flatMap((s) => s.values.map((v) => ({ timestamp: v[0], line: v[1], labels: s.stream })));
        return { resultType: 'streams', entries: orderAndLimit(entries, q.direction, q.limit) };
      }
      case 'matrix': {
        const series = this.#parse(matrixSchema, data.result, 'matrix');
        return { resultType: 'matrix', entries: series.map((s) => ({ labels: s.metric, values: s.values.map(([t, v]) => ({ timestamp: String(t), value: Number(v) })) })) };
      }
      case 'vector': {
        const series = this.#parse(vectorSchema, data.result, 'vector');
        return { resultType: 'vector', entries: series.map((s) => ({ labels: s.metric, timestamp: String(s.value[0]), value: Number(s.value[1]) })) };
      }
    }
  }

  labelNames(startMs: number, endMs: number, signal?: AbortSignal): Promise<string[]> {
    return this.#data('/loki/api/v1/labels', { start: msToNs(startMs), end: msToNs(endMs) }, stringList.default([]), signal);
  }

  labelValues(label: string, startMs: number, endMs: number, signal?: AbortSignal): Promise<string[]> {
    return this.#data(`/loki/api/v1/label/${encodeURIComponent(label)}/values`, { start: msToNs(startMs), end: msToNs(endMs) }, stringList.default([]), signal);
  }

  async #data<T extends z.ZodType>(path: string, query: Record<string, string | number>, schema: T, signal?: AbortSignal): Promise<z.output<T>> {
    const body = envelope.safeParse(await getJson(this.target, path, query, signal));
    if (!body.success) throw new BackendError(this.target.name, `${path} answered an unexpected shape`);
    if (body.data.status !== 'success') throw new BackendError(this.target.name, body.data.error ?? `status '${body.data.status}'`);
    return this.#parse(schema, body.data.data, path);
  }

  #parse<T extends z.ZodType>(schema: T, value: unknown, what: string): z.output<T> {
    const parsed = schema.safeParse(value);
    if (parsed.success) return parsed.data;
    const issue = parsed.error.issues[0];
    throw new BackendError(this.target.name, `unexpected ${what} data at ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? ''}`);
  }
}
