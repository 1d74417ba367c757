/** Outcome of one request: an HTTP status code, or what went wrong before one arrived. */
export type RequestOutcome = number | 'timeout' | 'error';

/** Summary of a load run or of a time window of it. */
export interface LoadStats {
  /** Requests sent (in the window, by send time). */
  readonly sent: number;
  /** Requests with an outcome. */
  readonly completed: number;
  /** Requests sent but not finished yet. */
  readonly inFlight: number;
  /** Scheduled requests skipped because maxInFlight or maxRequests was reached (client saturation). */
  readonly dropped: number;
  /** Completed requests by status code, "timeout" or "error". */
  readonly byStatus: Readonly<Record<string, number>>;
  /** Completed requests that were not 2xx/3xx. */
  readonly errors: number;
  /** errors / completed (0 when nothing completed). */
  readonly errorRate: number;
  /** Latency of completed requests, ms. All zero when nothing completed. */
  readonly latencyMs: { readonly p50: number; readonly p90: number; readonly p95: number; readonly p99: number; readonly max: number; readonly mean: number };
  /** Length of the window, ms. */
  readonly windowMs: number;
  /** sent / window length. */
  readonly sentPerSec: number;
}

/** A time window relative to the start of the run, in ms: [fromMs, toMs). */
export interface StatsWindow {
  readonly fromMs?: number;
  readonly toMs?: number;
}

/**
 * Nearest-rank percentile of an ascending array (p in 0..100); 0 for an empty array.
 */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))] ?? 0;
}

/**
 * Records every request of a run (send time, latency, outcome) in flat typed arrays, bounded by the run's
 * maxRequests, so stats can be cut to any window — e.g. only the steady state after a warm-up.
 */
export class StatsRecorder {
  private readonly sentAt: Float64Array;
  private readonly latency: Float64Array;
  private readonly outcome: (RequestOutcome | undefined)[];
  private count = 0;
  private droppedAt: number[] = [];

  constructor(capacity: number) {
    this.sentAt = new Float64Array(capacity);
    this.latency = new Float64Array(capacity);
    this.outcome = new Array<RequestOutcome | undefined>(capacity);
  }

  /** Registers a send at `atMs` (run-relative); returns its slot for complete(). */
  sent(atMs: number): number {
    const slot = this.count++;
    this.sentAt[slot] = atMs;
    return slot;
  }

  complete(slot: number, latencyMs: number, outcome: RequestOutcome): void {
    this.latency[slot] = latencyMs;
    this.outcome[slot] = outcome;
  }

  dropped(atMs: number): void {
    this.droppedAt.push(atMs);
  }

  /** Requests registered so far. */
  size(): number {
    return this.count;
  }

  /** Stats over requests sent within `window` (default: the whole run up to `nowMs`). */
  summarize(nowMs: number, window: StatsWindow = {}): LoadStats {
    const from = window.fromMs ?? 0;
    const to = Math.min(window.toMs ?? Infinity, nowMs);
    const latencies: number[] = [];
    const byStatus: Record<string, number> = {};
    let sent = 0;
    let errors = 0;
    let inFlight = 0;
    for (let i = 0; i < this.count; i++) {
      const at = this.sentAt[i] ?? 0;
      if (at < from || at >= to) continue;
      sent++;
      const outcome = this.outcome[i];
      if (outcome === undefined) {
        inFlight++;
        continue;
      }
      latencies.push(this.latency[i] ?? 0);
      byStatus[String(outcome)] = (byStatus[String(outcome)] ?? 0) + 1;
      if (typeof outcome !== 'number' || outcome >= 400) errors++;
    }
    latencies.sort((a, b) => a - b);
    const completed = latencies.length;
    const windowMs = Math.max(0, to - from);
    return {
      sent,
      completed,
      inFlight,
      dropped: this.droppedAt.filter((t) => t >= from && t < to).length,
      byStatus,
      errors,
      errorRate: completed === 0 ? 0 : errors / completed,
      latencyMs: {
        p50: percentile(latencies, 50),
        p90: percentile(latencies, 90),
        p95: percentile(latencies, 95),
        p99: percentile(latencies, 99),
        max: latencies[completed - 1] ?? 0,
        mean: completed === 0 ? 0 : latencies.reduce((s, v) => s + v, 0) / completed,
      },
      windowMs,
      sentPerSec: windowMs === 0 ? 0 : (sent * 1000) / windowMs,
    };
  }
}
