import { createHash } from 'node:crypto';
// Internal DBOS entry point (exported under "./internal/*"): the public DBOS.migrate logs to stdout.
import { migrateSystemDatabase } from '@dbos-inc/dbos-sdk/internal/system_database';
import pg from 'pg';
import type { Logger } from 'pino';
import { sleep } from '../../primitives/index.js';
import { maskDatabaseUrl } from '../config.js';
import { dbosLogger } from './logger.js';

/** Tables firebreak keeps beside DBOS's: one row per live worker, for recovering the runs of dead ones. */
const FIREBREAK_DDL = [
  'CREATE SCHEMA IF NOT EXISTS firebreak',
  `CREATE TABLE IF NOT EXISTS firebreak.executors (
     executor_id text PRIMARY KEY,
     application_name text NOT NULL,
     application_version text NOT NULL,
     host text NOT NULL,
     pid integer NOT NULL,
     started_at timestamptz NOT NULL DEFAULT now(),
     heartbeat_at timestamptz NOT NULL DEFAULT now()
   )`,
];

/** A PostgreSQL advisory-lock key (signed 64-bit, as text) for a name. */
export function advisoryKey(name: string): string {
  return createHash('sha256').update(name).digest().readBigInt64BE(0).toString();
}

/**
 * Makes the system database ready: creates the database if missing, runs DBOS's migrations and firebreak's
 * tables — under an advisory lock, because DBOS's migrations race when several workers start at once on a
 * fresh database (duplicate key on dbos_migrations). Idempotent and cheap once migrated.
 */
export async function prepareDatabase(url: string, schema: string, logger: Logger): Promise<void> {
  await ensureDatabase(url);
  const client = new pg.Client({ connectionString: url });
  client.on('error', (err) => logger.warn({ err }, 'migration connection error'));
  await client.connect();
  try {
    // Polled, not blocking: a session blocked in pg_advisory_lock holds a snapshot open, and DBOS's
    // CREATE INDEX CONCURRENTLY in the lock holder waits for every such snapshot — a deadlock.
    const key = advisoryKey(`firebreak:migrate:${schema}`);
    while (!(await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1) AS ok', [key])).rows[0]?.ok) await sleep(100);
    // DBOS only calls info/warn on this logger; the adapter is structurally what it needs.
    const log = dbosLogger(logger) as unknown as Parameters<typeof migrateSystemDatabase>[1];
    await migrateSystemDatabase(url, log, schema);
    for (const ddl of FIREBREAK_DDL) await client.query(ddl);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** CREATE DATABASE through the server's `postgres` database when the URL's database does not exist. */
async function ensureDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.replace(/^\//, ''));
  if (name === '') throw new Error(`database URL ${maskDatabaseUrl(url)} names no database`);
  const adminUrl = new URL(url);
  adminUrl.pathname = '/postgres';
  const admin = new pg.Client({ connectionString: adminUrl.toString() });
  admin.on('error', () => undefined);
  try {
    await admin.connect();
  } catch {
    // No access to the maintenance database: the target may still exist; connecting to it will tell.
    return;
  }
  try {
    const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!rowCount) {
      await admin.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`).catch((err: { code?: string }) => {
        // Another worker created it first (42P04), or won the race on the catalog's unique index (23505).
        if (err.code !== '42P04' && err.code !== '23505') throw err;
      });
    }
  } finally {
    await admin.end().catch(() => undefined);
  }
}
