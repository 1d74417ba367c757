/** The logs side of the grafana server: one interface, served by Loki over HTTP or by local log files. */

export interface LogQuery {
  logql: string;
  startMs: number;
  endMs: number;
  limit: number;
  direction: 'forward' | 'backward';
}

/** A log line (streams) or a metric sample (vector/matrix), in mcp-grafana's LogEntry shape. */
export interface LogEntry {
  /** Nanoseconds since the epoch, as a string (Loki's wire format). */
  timestamp?: string;
  line?: string;
  value?: number;
  values?: { timestamp: string; value: number }[];
  /** Stream labels. */
  labels: Record<string, string>;
}

export interface LogQueryResult {
  resultType: 'streams' | 'vector' | 'matrix';
  entries: LogEntry[];
}

export interface LogsBackend {
  /** Names the backend in errors and in list_datasources. */
  readonly name: string;
  query(q: LogQuery, signal?: AbortSignal): Promise<LogQueryResult>;
  labelNames(startMs: number, endMs: number, signal?: AbortSignal): Promise<string[]>;
  labelValues(label: string, startMs: number, endMs: number, signal?: AbortSignal): Promise<string[]>;
}

/** Milliseconds to Loki's nanosecond timestamp string, without floating-point loss. */
export function msToNs(ms: number): string {
  return `${BigInt(Math.trunc(ms)) * 1_000_000n}`;
}

/** Orders entries by timestamp (newest first for 'backward', as Loki does) and keeps `limit` of them. */
export function orderAndLimit(entries: LogEntry[], direction: 'forward' | 'backward', limit: number): LogEntry[] {
  const key = (e: LogEntry): bigint => BigInt(e.timestamp ?? '0');
  entries.sort((a, b) => {
    const d = key(a) - key(b);
    const cmp = d < 0n ? -1 : d > 0n ? 1 : 0;
    return direction === 'forward' ? cmp : -cmp;
  });
  return entries.length > limit ? entries.slice(0, limit) : entries;
}
