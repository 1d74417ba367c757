import { ToolInputError } from './errors.js';

/**
 * Time arguments as Grafana's tools accept them: RFC3339 (`2025-11-14T09:30:00Z`), `now`, or `now` plus or
 * minus a duration (`now-15m`, `now-1h30m`, `now-1.5h`), or epoch seconds / milliseconds as digits.
 */

const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
  y: 31_536_000_000,
};

const DURATION = /^(?:(\d+(?:\.\d+)?)(ms|s|m|h|d|w|y))+$/;
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w|y)/g;
const RELATIVE = /^now(?:([+-])(.+))?$/;
const RFC3339 = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/i;

/** Milliseconds of a duration such as `15m`, `1h30m`, `1.5h`, `500ms`; undefined if it is not one. */
export function parseDurationMs(text: string): number | undefined {
  const trimmed = text.trim();
  if (!DURATION.test(trimmed)) return undefined;
  let total = 0;
  for (const match of trimmed.matchAll(PART)) total += Number(match[1]) * (UNIT_MS[match[2] ?? 'ms'] ?? 1);
  return total;
}

/** Parses a time argument to epoch milliseconds; throws ToolInputError naming `field`. */
export function parseTime(value: string, field: string, now: number = Date.now()): number {
  const text = value.trim();
  const relative = RELATIVE.exec(text);
  if (relative) {
    if (!relative[1]) return now;
    const ms = parseDurationMs(relative[2] ?? '');
    if (ms === undefined) throw new ToolInputError(field, `'${value}' has an invalid duration; use e.g. now-15m, now-1h30m, now-1.5h`);
    return relative[1] === '-' ? now - ms : now + ms;
  }
  if (/^\d{9,13}(?:\.\d+)?$/.test(text)) {
    const n = Number(text);
    return n >= 1e12 ? n : n * 1_000;
  }
  if (RFC3339.test(text)) {
    const ms = Date.parse(text);
    if (!Number.isNaN(ms)) return ms;
  }
  throw new ToolInputError(field, `'${value}' is not a time; use RFC3339 (2025-11-14T09:30:00Z), 'now' or 'now-15m'`);
}

/** Parses an optional time argument, falling back to `fallback` (itself a time expression). */
export function parseTimeOr(value: string | undefined, fallback: string, field: string, now: number = Date.now()): number {
  return parseTime(value === undefined || value.trim() === '' ? fallback : value, field, now);
}

export function toRfc3339(ms: number): string {
  return new Date(ms).toISOString();
}
