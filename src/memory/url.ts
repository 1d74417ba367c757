import { redactText } from '../security/redact.js';
import { MemoryUrlError } from './errors.js';

/** Used when openMemory() is given no URL and FIREBREAK_MEMORY_URL is unset. */
export const DEFAULT_MEMORY_URL = 'sqlite:.firebreak/firebreak.db';

export type ParsedMemoryUrl =
  | { kind: 'sqlite'; path: string; prefix: string }
  | { kind: 'postgres'; connectionString: string; prefix: string }
  | { kind: 'redis'; url: string; prefix: string }
  | { kind: 'memory' };

const SQL_PREFIX = /^[A-Za-z_][A-Za-z0-9_]{0,47}$/;
const REDIS_PREFIX = /^[^\s{}]{1,64}$/;

/** A URL safe to show in errors and logs: credentials removed. */
export function safeUrl(url: string): string {
  return redactText(url);
}

/**
 * Understands the memory URLs:
 * - `sqlite:PATH` (relative to the working directory, or absolute; `sqlite::memory:` for a private database;
 *   `sqlite:///abs/path` also works),
 * - `postgres://…` / `postgresql://…` (anything else in the URL is passed to `pg`, e.g. `sslmode`),
 * - `redis://…` / `rediss://…`,
 * - `memory:` (process-local, gone on close).
 * Every durable URL takes `?prefix=`: table-name prefix for SQL (default `firebreak_`), key prefix for Redis
 * (default `firebreak:`), so several stores or test runs can share one database without colliding.
 */
export function parseMemoryUrl(url: string): ParsedMemoryUrl {
  if (typeof url !== 'string' || url.length === 0) throw new MemoryUrlError(String(url), 'must be a non-empty string');
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase();
  switch (scheme) {
    case 'memory':
      return { kind: 'memory' };
    case 'sqlite':
      return parseSqlite(url);
    case 'postgres':
    case 'postgresql': {
      const { rest, prefix } = takePrefix(url, 'firebreak_', SQL_PREFIX);
      return { kind: 'postgres', connectionString: rest, prefix };
    }
    case 'redis':
    case 'rediss': {
      const { rest, prefix } = takePrefix(url, 'firebreak:', REDIS_PREFIX);
      return { kind: 'redis', url: rest, prefix };
    }
    default:
      throw new MemoryUrlError(safeUrl(url), "unknown scheme; expected 'sqlite:PATH', 'postgres://…', 'redis://…' or 'memory:'");
  }
}

function parseSqlite(url: string): ParsedMemoryUrl {
  const q = url.indexOf('?');
  let path = url.slice('sqlite:'.length, q === -1 ? undefined : q);
  if (path.startsWith('//')) path = path.slice(2);
  if (path === '') throw new MemoryUrlError(url, "missing path; use e.g. 'sqlite:.firebreak/firebreak.db' or 'sqlite::memory:'");
  const params = new URLSearchParams(q === -1 ? '' : url.slice(q + 1));
  return { kind: 'sqlite', path, prefix: prefixParam(url, params, 'firebreak_', SQL_PREFIX) };
}

/** Removes our `prefix` parameter from a network URL and returns the rest for the driver. */
function takePrefix(url: string, fallback: string, shape: RegExp): { rest: string; prefix: string } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new MemoryUrlError(safeUrl(url), 'not a valid URL');
  }
  const prefix = prefixParam(url, parsed.searchParams, fallback, shape);
  parsed.searchParams.delete('prefix');
  return { rest: parsed.toString(), prefix };
}

function prefixParam(url: string, params: URLSearchParams, fallback: string, shape: RegExp): string {
  const prefix = params.get('prefix');
  if (prefix === null) return fallback;
  if (!shape.test(prefix)) throw new MemoryUrlError(safeUrl(url), `prefix '${prefix}' must match ${shape}`);
  return prefix;
}
