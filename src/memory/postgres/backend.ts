import pg from 'pg';
import type { MemoryBackend, RawEntry, RawEvent, RawHit, StoredDoc } from '../backend.js';
import { PostgresJournal } from './journal.js';
import { migrate, tableNames, type Tables } from './schema.js';
import { PostgresSignals } from './signals.js';

/** Expired rows are deleted every this many writes (reads already ignore them). */
const PURGE_EVERY = 500;

/**
 * PostgreSQL backend (`pg`). Every write is one statement, so atomicity comes from PostgreSQL itself:
 * the event counter row is bumped and the events inserted in one statement, which serializes concurrent
 * appenders on that row and can never hand out a seq twice. Search is full-text over a tsvector built with
 * the 'simple' configuration from text-index.ts words — key words weighted A, value words D — ranked by
 * ts_rank.
 */
export class PostgresBackend implements MemoryBackend {
  readonly kind = 'postgres' as const;
  readonly journal: PostgresJournal;
  readonly signals: PostgresSignals;
  #writes = 0;

  private constructor(private readonly pool: pg.Pool, private readonly t: Tables, connectionString: string, prefix: string) {
    this.journal = new PostgresJournal(pool, t);
    this.signals = new PostgresSignals(pool, connectionString, prefix);
  }

  /** Connects and migrates; closes the pool again if either fails. */
  static async open(connectionString: string, prefix: string): Promise<PostgresBackend> {
    const pool = new pg.Pool({ connectionString, max: 4, connectionTimeoutMillis: 5000, idleTimeoutMillis: 10_000, allowExitOnIdle: true });
    // An idle client dying (server restart) must not crash the process; the next query reports the problem.
    pool.on('error', () => undefined);
    try {
      const t = tableNames(prefix);
      await migrate(pool, t);
      return new PostgresBackend(pool, t, connectionString, prefix);
    } catch (err) {
      await pool.end().catch(() => undefined);
      throw err;
    }
  }

  async put(ns: string, key: string, doc: StoredDoc): Promise<void> {
    await this.pool.query(
      `INSERT INTO ${this.t.kv} (ns, key, value, updated_at, expires_at, words)
       VALUES ($1, $2, $3, $4, $5, setweight(to_tsvector('simple', $6), 'A') || setweight(to_tsvector('simple', $7), 'D'))
       ON CONFLICT (ns, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at,
         expires_at = excluded.expires_at, words = excluded.words`,
      [ns, key, doc.json, doc.updatedAt, doc.expiresAt, doc.words.keyWords.join(' '), doc.words.valueWords.join(' ')],
    );
    await this.#afterWrite(doc.updatedAt);
  }

  async get(ns: string, key: string, now: number): Promise<string | undefined> {
    const { rows } = await this.pool.query<{ value: string }>(
      `SELECT value FROM ${this.t.kv} WHERE ns = $1 AND key = $2 AND (expires_at IS NULL OR expires_at > $3)`,
      [ns, key, now],
    );
    return rows[0]?.value;
  }

  async delete(ns: string, key: string, now: number): Promise<boolean> {
    const { rows } = await this.pool.query<{ expires_at: string | null }>(
      `DELETE FROM ${this.t.kv} WHERE ns = $1 AND key = $2 RETURNING expires_at`,
      [ns, key],
    );
    const row = rows[0];
    return row !== undefined && (row.expires_at === null || Number(row.expires_at) > now);
  }

  async list(ns: string, prefix: string, limit: number, now: number): Promise<RawEntry[]> {
    const { rows } = await this.pool.query<{ key: string; value: string; updated_at: string }>(
      `SELECT key, value, updated_at FROM ${this.t.kv}
       WHERE ns = $1 AND key >= $2 AND starts_with(key, $2) AND (expires_at IS NULL OR expires_at > $3)
       ORDER BY key LIMIT $4`,
      [ns, prefix, now, limit],
    );
    return rows.map((r) => ({ key: r.key, json: r.value, updatedAt: Number(r.updated_at) }));
  }

  async search(ns: string, terms: readonly string[], limit: number, now: number): Promise<RawHit[]> {
    // Words are letters and digits only (text-index.ts): quoted, they are safe tsquery operands.
    const query = terms.map((t) => `'${t}'`).join(' | ');
    const { rows } = await this.pool.query<{ key: string; value: string; score: number }>(
      `SELECT key, value, ts_rank(words, q)::float8 AS score
       FROM ${this.t.kv}, to_tsquery('simple', $2) q
       WHERE ns = $1 AND words @@ q AND (expires_at IS NULL OR expires_at > $3)
       ORDER BY score DESC, key LIMIT $4`,
      [ns, query, now, limit],
    );
    return rows.map((r) => ({ key: r.key, json: r.value, score: r.score }));
  }

  async append(ns: string, events: readonly string[], at: number): Promise<number[]> {
    const { rows } = await this.pool.query<{ seq: string }>(
      `WITH counter AS (
         INSERT INTO ${this.t.seq} AS c (ns, seq) VALUES ($1, $2) ON CONFLICT (ns) DO UPDATE SET seq = c.seq + $2 RETURNING seq
       )
       INSERT INTO ${this.t.events} (ns, seq, at, event)
       SELECT $1, counter.seq - $2 + e.ord, $3, e.event FROM counter, unnest($4::text[]) WITH ORDINALITY AS e(event, ord)
       RETURNING seq`,
      [ns, events.length, at, events],
    );
    return rows.map((r) => Number(r.seq)).sort((a, b) => a - b);
  }

  async events(ns: string, afterSeq: number, limit: number): Promise<RawEvent[]> {
    const { rows } = await this.pool.query<{ seq: string; at: string; event: string }>(
      `SELECT seq, at, event FROM ${this.t.events} WHERE ns = $1 AND seq > $2 ORDER BY seq LIMIT $3`,
      [ns, afterSeq, limit],
    );
    return rows.map((r) => ({ seq: Number(r.seq), at: Number(r.at), json: r.event }));
  }

  async close(): Promise<void> {
    await this.signals.stop();
    await this.pool.end();
  }

  async #afterWrite(now: number): Promise<void> {
    if (++this.#writes % PURGE_EVERY !== 0) return;
    await this.pool.query(`DELETE FROM ${this.t.kv} WHERE expires_at <= $1`, [now]);
  }
}
