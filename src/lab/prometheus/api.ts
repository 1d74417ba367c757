import { PrometheusQueryError } from './errors.js';

/** One series of an instant vector. */
export interface PromSample {
  readonly metric: Readonly<Record<string, string>>;
  /** [unix seconds, value as a string — "NaN", "+Inf" included]. */
  readonly value: readonly [number, string];
}

/** One series of a range query. */
export interface PromSeries {
  readonly metric: Readonly<Record<string, string>>;
  readonly values: readonly (readonly [number, string])[];
}

export type PromQueryResult =
  | { readonly resultType: 'vector'; readonly result: PromSample[] }
  | { readonly resultType: 'matrix'; readonly result: PromSeries[] }
  | { readonly resultType: 'scalar' | 'string'; readonly result: readonly [number, string] };

/** An entry of /api/v1/alerts. */
export interface PromAlert {
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly state: 'pending' | 'firing' | 'inactive';
  readonly activeAt?: string;
  readonly value: string;
}

/** An entry of /api/v1/targets' activeTargets. */
export interface PromTarget {
  readonly labels: Readonly<Record<string, string>>;
  readonly scrapeUrl: string;
  readonly health: 'up' | 'down' | 'unknown';
  readonly lastError: string;
}

type Seconds = number;
const toSeconds = (t: Date | Seconds): string => String(t instanceof Date ? t.getTime() / 1000 : t);

/**
 * A small client for the Prometheus HTTP API (v1) — what drills and tests use to read metrics and alerts.
 * Errors (bad PromQL, HTTP failures) throw `PrometheusQueryError` with Prometheus' own error text.
 */
export class PrometheusApi {
  constructor(
    readonly baseUrl: string,
    private readonly timeoutMs = 10_000,
  ) {}

  /** Instant query (`/api/v1/query`), at `time` (default now). */
  async query(expr: string, time?: Date | Seconds): Promise<PromQueryResult> {
    const params: Record<string, string> = { query: expr };
    if (time !== undefined) params.time = toSeconds(time);
    return this.get<PromQueryResult>('/api/v1/query', params);
  }

  /** Instant query returning the series of a vector result ([] for none). */
  async queryVector(expr: string, time?: Date | Seconds): Promise<PromSample[]> {
    const res = await this.query(expr, time);
    if (res.resultType === 'vector') return res.result;
    if (res.resultType === 'scalar') return [{ metric: {}, value: res.result }];
    throw new PrometheusQueryError('/api/v1/query', 200, 'unexpected_result', `expected a vector for ${expr}, got ${res.resultType}`);
  }

  /**
   * The value of the first series of an instant query as a number, or undefined when the result is empty
   * (no data yet — distinct from 0). NaN is returned as NaN (e.g. 0/0 in a ratio with no traffic).
   */
  async queryValue(expr: string, time?: Date | Seconds): Promise<number | undefined> {
    const first = (await this.queryVector(expr, time))[0];
    return first ? Number(first.value[1]) : undefined;
  }

  /** Range query (`/api/v1/query_range`); start/end as Date or unix seconds. */
  async queryRange(expr: string, range: { start: Date | Seconds; end: Date | Seconds; stepSeconds: number }): Promise<PromSeries[]> {
    const res = await this.get<PromQueryResult>('/api/v1/query_range', { query: expr, start: toSeconds(range.start), end: toSeconds(range.end), step: String(range.stepSeconds) });
    if (res.resultType !== 'matrix') throw new PrometheusQueryError('/api/v1/query_range', 200, 'unexpected_result', `expected a matrix, got ${res.resultType}`);
    return res.result;
  }

  /** Active alerts (pending and firing), `/api/v1/alerts`. */
  async alerts(): Promise<PromAlert[]> {
    return (await this.get<{ alerts: PromAlert[] }>('/api/v1/alerts', {})).alerts;
  }

  /** Loaded rule groups, `/api/v1/rules` (raw). */
  async rules(): Promise<unknown> {
    return this.get<unknown>('/api/v1/rules', {});
  }

  /** Active scrape targets with health and last error, `/api/v1/targets`. */
  async targets(): Promise<PromTarget[]> {
    return (await this.get<{ activeTargets: PromTarget[] }>('/api/v1/targets', { state: 'active' })).activeTargets;
  }

  private async get<T>(endpoint: string, params: Record<string, string>): Promise<T> {
    const url = new URL(endpoint, this.baseUrl);
    for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
    let res: Response;
    try {
      res = await fetch(url, { signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (err) {
      throw new PrometheusQueryError(endpoint, 0, 'unreachable', (err as Error).message);
    }
    const text = await res.text();
    let body: { status?: string; data?: unknown; errorType?: string; error?: string };
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      throw new PrometheusQueryError(endpoint, res.status, undefined, `non-JSON response: ${text.slice(0, 200)}`);
    }
    if (!res.ok || body.status !== 'success') throw new PrometheusQueryError(endpoint, res.status, body.errorType, body.error ?? text.slice(0, 200));
    return body.data as T;
  }
}
