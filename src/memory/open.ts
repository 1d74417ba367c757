import type { Logger } from 'pino';
import { z } from 'zod';
import { defaultLogger } from '../primitives/logger.js';
import { parseOptions } from '../primitives/options.js';
import { secretValuesFromEnv } from '../security/redact.js';
import type { MemoryBackend } from './backend.js';
import { MemoryClosedError, MemoryUnavailableError } from './errors.js';
import { InMemoryBackend } from './in-memory/backend.js';
import { Journal } from './journal.js';
import { DEFAULT_MAX_VALUE_BYTES } from './json-value.js';
import { Store, type StoreConfig } from './store.js';
import type { DurableJournal, MemoryStore } from './types.js';
import { DEFAULT_MEMORY_URL, parseMemoryUrl, safeUrl, type ParsedMemoryUrl } from './url.js';

export interface OpenMemoryOptions {
  /** Largest serialized value, event or journaled output in UTF-8 bytes (default 1 MiB). */
  maxValueBytes?: number;
  /** Extra literal secrets to redact before storing (e.g. a token read from a file). */
  secrets?: readonly string[];
  /** Environment whose secret-looking variables are redacted (default process.env), read once at open. */
  env?: NodeJS.ProcessEnv;
  /** For warnings (default: firebreak's stderr logger). */
  logger?: Logger;
  /** SQLite: how long to wait for another process's write lock, in ms (default 5000). */
  busyTimeoutMs?: number;
}

const optionsSchema = z.strictObject({
  maxValueBytes: z.number().int().min(1024).max(512 * 1024 * 1024).optional(),
  secrets: z.array(z.string()).optional(),
  env: z.record(z.string(), z.string().optional()).optional(),
  logger: z.custom<Logger>((v) => typeof v === 'object' && v !== null && typeof (v as Logger).warn === 'function', 'expected a pino logger').optional(),
  busyTimeoutMs: z.number().int().nonnegative().max(600_000).optional(),
});

/**
 * Opens a memory store.
 *
 * When to use: once per process (or per test); share the store, it is safe for concurrent calls.
 * What it does: parses the URL (see url.ts: `sqlite:PATH`, `postgres://…`, `redis://…`, `memory:`), connects,
 * creates tables if missing, and snapshots the secret values to redact. Default URL: FIREBREAK_MEMORY_URL,
 * else `sqlite:.firebreak/firebreak.db`.
 * Gotchas: close() it, or a PostgreSQL pool / Redis connection keeps the process alive; environment secrets
 * set after opening are not known to the store (pass them in `secrets`).
 *
 * @example
 * const store = await openMemory('memory:');
 * await store.put('incident-42', 'root_cause', { summary: 'connection pool exhausted (10 of 10 in use)' });
 * (await store.search('incident-42', 'pool exhausted'))[0]?.key; // 'root_cause'
 * await store.close();
 */
export async function openMemory(url?: string, opts: OpenMemoryOptions = {}): Promise<MemoryStore> {
  return openStore(url, opts);
}

/**
 * A `memory:` store opened synchronously (it needs no I/O): for defaults in constructors, where an await is
 * not possible. Same rules as `openMemory('memory:', opts)`.
 */
export function openInProcessMemory(opts: OpenMemoryOptions = {}): MemoryStore {
  return new Store(new InMemoryBackend(), storeConfig(parseOptions('openMemory', optionsSchema, opts)));
}

/**
 * Opens a durable run journal that owns its own connection (close() closes it). Same URLs as openMemory;
 * with a store already open, prefer `store.journal()`.
 *
 * @example
 * const journal = await openJournal('sqlite:.firebreak/firebreak.db');
 * await run(workflow, input, { runId: 'incident-42', journal }); // re-run after a crash: resumes
 * await journal.close();
 */
export async function openJournal(url?: string, opts: OpenMemoryOptions = {}): Promise<DurableJournal> {
  const store = await openStore(url, opts);
  const ensureOpen = (): void => {
    if (store.closed) throw new MemoryClosedError(store.backend);
  };
  return new Journal(store.raw.journal, store.raw.kind, store.config, ensureOpen, () => store.close());
}

async function openStore(url: string | undefined, opts: OpenMemoryOptions): Promise<Store> {
  const o = parseOptions('openMemory', optionsSchema, opts);
  const resolved = url ?? process.env.FIREBREAK_MEMORY_URL ?? DEFAULT_MEMORY_URL;
  const parsed = parseMemoryUrl(resolved);
  const raw = await openBackend(parsed, resolved, o.busyTimeoutMs ?? 5000);
  return new Store(raw, storeConfig(o));
}

function storeConfig(o: z.output<typeof optionsSchema>): StoreConfig {
  return {
    maxValueBytes: o.maxValueBytes ?? DEFAULT_MAX_VALUE_BYTES,
    secrets: [...new Set([...(o.secrets ?? []), ...secretValuesFromEnv(o.env ?? process.env)])].filter((s) => s.length > 0),
    logger: o.logger ?? defaultLogger(),
  };
}

async function openBackend(parsed: ParsedMemoryUrl, url: string, busyTimeoutMs: number): Promise<MemoryBackend> {
  // Backends are imported on demand: using SQLite never loads pg or ioredis, and vice versa.
  try {
    switch (parsed.kind) {
      case 'memory':
        return new InMemoryBackend();
      case 'sqlite':
        return new (await import('./sqlite/backend.js')).SqliteBackend(parsed.path, parsed.prefix, busyTimeoutMs);
      case 'postgres':
        return await (await import('./postgres/backend.js')).PostgresBackend.open(parsed.connectionString, parsed.prefix);
      case 'redis':
        return await (await import('./redis/backend.js')).RedisBackend.open(parsed.url, parsed.prefix);
    }
  } catch (err) {
    throw new MemoryUnavailableError(parsed.kind, safeUrl(url), err);
  }
}
