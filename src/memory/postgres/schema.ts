import type { Pool } from 'pg';
import { inTransaction } from './transaction.js';

/** Table names for a prefix (validated by url.ts to be a plain SQL identifier). */
export function tableNames(prefix: string) {
  return {
    kv: `${prefix}kv`,
    seq: `${prefix}event_seq`,
    events: `${prefix}events`,
    runs: `${prefix}runs`,
    steps: `${prefix}steps`,
  };
}

export type Tables = ReturnType<typeof tableNames>;

/**
 * Creates the tables if missing. Concurrent `CREATE TABLE IF NOT EXISTS` can still collide in PostgreSQL
 * (a unique violation on pg_type), so creation is serialized with a transaction-scoped advisory lock.
 *
 * Keys use the "C" collation so ORDER BY and prefix ranges follow byte order, like the other backends,
 * whatever the database's locale. Times are epoch milliseconds (bigint), from the writer's clock.
 */
export async function migrate(pool: Pool, t: Tables): Promise<void> {
  await inTransaction(pool, async (client) => {
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`firebreak-migrate:${t.kv}`]);
    await client.query(`
      CREATE TABLE IF NOT EXISTS ${t.kv} (
        ns text COLLATE "C" NOT NULL,
        key text COLLATE "C" NOT NULL,
        value text NOT NULL,
        updated_at bigint NOT NULL,
        expires_at bigint,
        words tsvector NOT NULL,
        PRIMARY KEY (ns, key)
      );
      CREATE INDEX IF NOT EXISTS ${t.kv}_words ON ${t.kv} USING gin (words);
      CREATE INDEX IF NOT EXISTS ${t.kv}_expires ON ${t.kv} (expires_at) WHERE expires_at IS NOT NULL;
      CREATE TABLE IF NOT EXISTS ${t.seq} (ns text PRIMARY KEY, seq bigint NOT NULL);
      CREATE TABLE IF NOT EXISTS ${t.events} (
        ns text NOT NULL,
        seq bigint NOT NULL,
        at bigint NOT NULL,
        event text NOT NULL,
        PRIMARY KEY (ns, seq)
      );
      CREATE TABLE IF NOT EXISTS ${t.runs} (
        run_id text PRIMARY KEY,
        fingerprint text NOT NULL,
        structure text NOT NULL,
        state text NOT NULL,
        attempts integer NOT NULL,
        started_at bigint NOT NULL,
        finished_at bigint,
        error text
      );
      CREATE TABLE IF NOT EXISTS ${t.steps} (
        run_id text NOT NULL,
        path text NOT NULL,
        output text,
        recorded_at bigint NOT NULL,
        PRIMARY KEY (run_id, path)
      );
    `);
  });
}
