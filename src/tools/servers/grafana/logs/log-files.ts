import { open, stat } from 'node:fs/promises';
import type { LogLine } from './logql-eval.js';

/** A configured log file and the stream labels it is selected by (`{job="api"}`). */
export interface LogSource {
  path: string;
  labels: Record<string, string>;
}

export interface LogRecord extends LogLine {
  /** Epoch milliseconds. */
  ms: number;
}

const PINO_LEVELS: Record<number, string> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };
const LEVEL_ALIASES: Record<string, string> = { warning: 'warn', err: 'error', crit: 'critical', critical: 'critical', panic: 'fatal', dbg: 'debug', information: 'info' };

/**
 * Reads JSON-lines log files (pino, bunyan, winston-json and friends; other lines are kept as plain text),
 * keeping the last `maxBytes` of each file. Parsed files are cached by size and mtime, so repeated queries
 * during an investigation do not re-read an unchanged file.
 */
export class LogFileReader {
  readonly #cache = new Map<string, { size: number; mtimeMs: number; records: LogRecord[] }>();

  constructor(private readonly maxBytes: number) {}

  async read(path: string): Promise<LogRecord[]> {
    const info = await stat(path);
    const cached = this.#cache.get(path);
    if (cached && cached.size === info.size && cached.mtimeMs === info.mtimeMs) return cached.records;
    const text = await this.#tail(path, info.size);
    const records: LogRecord[] = [];
    // A line without a timestamp (a stack trace continuation, a bare print) belongs with the line before it;
    // lines before the first timestamped one take its time, and a file with no timestamps at all its mtime.
    let lastMs: number | undefined;
    const unstamped: LogRecord[] = [];
    for (const line of text.split('\n')) {
      const trimmed = line.trimEnd();
      if (!trimmed) continue;
      const { record, stamped } = toRecord(trimmed, lastMs ?? Number.NaN);
      if (stamped) lastMs = record.ms;
      else if (lastMs === undefined) unstamped.push(record);
      records.push(record);
    }
    for (const record of unstamped) record.ms = lastMs === undefined ? info.mtimeMs : (records.find((r) => !Number.isNaN(r.ms) && !unstamped.includes(r))?.ms ?? info.mtimeMs);
    this.#cache.set(path, { size: info.size, mtimeMs: info.mtimeMs, records });
    return records;
  }

  async #tail(path: string, size: number): Promise<string> {
    const start = Math.max(0, size - this.maxBytes);
    const handle = await open(path, 'r');
    try {
      const buffer = Buffer.alloc(size - start);
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, start);
      let text = buffer.subarray(0, bytesRead).toString('utf8');
      // Starting mid-file lands mid-line: drop the partial first line.
      if (start > 0) text = text.slice(text.indexOf('\n') + 1);
      return text;
    } finally {
      await handle.close();
    }
  }
}

function toRecord(line: string, fallbackMs: number): { record: LogRecord; stamped: boolean } {
  let fields: Record<string, unknown> | undefined;
  if (line.startsWith('{')) {
    try {
      const parsed: unknown = JSON.parse(line);
      if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) fields = parsed as Record<string, unknown>;
    } catch {
      // not JSON after all: a plain text line
    }
  }
  const own = timestampOf(fields) ?? textTimestamp(line);
  return { record: { line, fields, ms: own ?? fallbackMs, detectedLevel: levelOf(fields, line) }, stamped: own !== undefined };
}

const LEADING_ISO = /^\[?(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?)/;
const LOGFMT_TIME = /(?:^|\s)(?:ts|time|timestamp)=("?)([^\s"]+)\1/;

/** A plain-text line's time: a leading ISO timestamp, or logfmt's ts=/time=. */
function textTimestamp(line: string): number | undefined {
  const iso = LEADING_ISO.exec(line)?.[1];
  const raw = iso ?? LOGFMT_TIME.exec(line)?.[2];
  if (raw === undefined) return undefined;
  const ms = /^\d+(\.\d+)?$/.test(raw) ? epochToMs(Number(raw)) : Date.parse(raw.replace(',', '.'));
  return Number.isNaN(ms) ? undefined : ms;
}

/** pino `time` (epoch ms), or `timestamp` / `ts` / `@timestamp` as epoch or ISO strings. */
function timestampOf(fields: Record<string, unknown> | undefined): number | undefined {
  if (!fields) return undefined;
  for (const key of ['time', 'timestamp', 'ts', '@timestamp']) {
    const v = fields[key];
    if (typeof v === 'number' && Number.isFinite(v)) return epochToMs(v);
    if (typeof v === 'string') {
      const ms = /^\d+(\.\d+)?$/.test(v) ? epochToMs(Number(v)) : Date.parse(v);
      if (!Number.isNaN(ms)) return ms;
    }
  }
  return undefined;
}

/** Epoch seconds, milliseconds, microseconds or nanoseconds, told apart by magnitude, to milliseconds. */
function epochToMs(v: number): number {
  if (v < 1e11) return v * 1_000;
  if (v < 1e14) return v;
  if (v < 1e17) return v / 1_000;
  return v / 1_000_000;
}

function levelOf(fields: Record<string, unknown> | undefined, line: string): string {
  const raw = fields?.level ?? fields?.severity ?? fields?.lvl;
  if (typeof raw === 'number') return PINO_LEVELS[raw] ?? (raw >= 50 ? 'error' : raw >= 40 ? 'warn' : 'info');
  if (typeof raw === 'string') {
    const lower = raw.toLowerCase();
    return LEVEL_ALIASES[lower] ?? lower;
  }
  if (!fields) {
    const m = /\b(trace|debug|info|warn|warning|error|fatal|critical)\b/i.exec(line);
    if (m?.[1]) return LEVEL_ALIASES[m[1].toLowerCase()] ?? m[1].toLowerCase();
  }
  return 'unknown';
}
