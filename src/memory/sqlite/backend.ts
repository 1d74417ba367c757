import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import type { MemoryBackend, RawEntry, RawEvent, RawHit, StoredDoc } from '../backend.js';
import { KEY_BOOST } from '../text-index.js';
import { SqliteJournal } from './journal.js';
import { configure, inTransaction, migrate, tableNames, type Tables } from './schema.js';
import { SqliteSignals } from './signals.js';

/** Expired rows are deleted every this many writes (reads already ignore them). */
const PURGE_EVERY = 500;

type Row = Record<string, unknown>;

/**
 * The default backend: one SQLite file through Node's built-in `node:sqlite` (no native modules). Calls are
 * synchronous under the hood — each is a few microseconds on a prepared statement, cheaper than a hop to a
 * thread — and several processes may share the file (WAL + busy_timeout + BEGIN IMMEDIATE for writes).
 * Search uses FTS5 with bm25 ranking, key words weighted above value words.
 */
export class SqliteBackend implements MemoryBackend {
  readonly kind = 'sqlite' as const;
  readonly journal: SqliteJournal;
  readonly signals: SqliteSignals;
  readonly #db: DatabaseSync;
  readonly #s: ReturnType<typeof prepareStatements>;
  #writes = 0;

  constructor(readonly path: string, prefix: string, busyTimeoutMs = 5000) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.#db = new DatabaseSync(path, { timeout: busyTimeoutMs });
    try {
      configure(this.#db, busyTimeoutMs);
      const t = tableNames(prefix);
      migrate(this.#db, t);
      this.#s = prepareStatements(this.#db, t);
      this.journal = new SqliteJournal(this.#db, t);
      this.signals = new SqliteSignals(this.#db, t);
    } catch (err) {
      this.#db.close();
      throw err;
    }
  }

  async put(ns: string, key: string, doc: StoredDoc): Promise<void> {
    const s = this.#s;
    inTransaction(this.#db, () => {
      const { id } = s.upsert.get(ns, key, doc.json, doc.updatedAt, doc.expiresAt) as { id: number };
      s.ftsDelete.run(id);
      s.ftsInsert.run(id, nsTag(ns), doc.words.keyWords.join(' '), doc.words.valueWords.join(' '));
    });
    this.#afterWrite(doc.updatedAt);
  }

  async get(ns: string, key: string, now: number): Promise<string | undefined> {
    const row = this.#s.get.get(ns, key, now) as Row | undefined;
    return row?.value as string | undefined;
  }

  async delete(ns: string, key: string, now: number): Promise<boolean> {
    const s = this.#s;
    return inTransaction(this.#db, () => {
      const row = s.delete.get(ns, key) as { id: number; expires_at: number | null } | undefined;
      if (!row) return false;
      s.ftsDelete.run(row.id);
      return row.expires_at === null || row.expires_at > now;
    });
  }

  async list(ns: string, prefix: string, limit: number, now: number): Promise<RawEntry[]> {
    const rows = this.#s.list.all(ns, prefix, prefix, prefix, now, limit) as Row[];
    return rows.map((r) => ({ key: r.key as string, json: r.value as string, updatedAt: r.updated_at as number }));
  }

  async search(ns: string, terms: readonly string[], limit: number, now: number): Promise<RawHit[]> {
    // Words are letters and digits only (text-index.ts), so quoting each is a complete escape for FTS5. The
    // namespace tag narrows the match inside the index, so other namespaces' hits are never even visited.
    const match = `ns_tag : ${nsTag(ns)} AND (${terms.map((t) => `"${t}"`).join(' OR ')})`;
    const rows = this.#s.search.all(match, ns, now, limit) as Row[];
    // bm25() is lower-is-better and negative; flip it so that higher is better like every other backend.
    return rows.map((r) => ({ key: r.key as string, json: r.value as string, score: -(r.rank as number) }));
  }

  async append(ns: string, events: readonly string[], at: number): Promise<number[]> {
    const s = this.#s;
    return inTransaction(this.#db, () => {
      let seq = (s.maxSeq.get(ns) as { seq: number }).seq;
      const seqs: number[] = [];
      for (const json of events) {
        s.insertEvent.run(ns, ++seq, at, json);
        seqs.push(seq);
      }
      return seqs;
    });
  }

  async events(ns: string, afterSeq: number, limit: number): Promise<RawEvent[]> {
    const rows = this.#s.events.all(ns, afterSeq, limit) as Row[];
    return rows.map((r) => ({ seq: r.seq as number, at: r.at as number, json: r.event as string }));
  }

  async close(): Promise<void> {
    await this.signals.stop();
    if (this.#db.isOpen) this.#db.close();
  }

  #afterWrite(now: number): void {
    if (++this.#writes % PURGE_EVERY !== 0) return;
    const s = this.#s;
    inTransaction(this.#db, () => {
      s.purgeFts.run(now);
      s.purgeKv.run(now);
    });
  }
}

/**
 * One FTS5 token standing for a namespace (namespaces are arbitrary strings, tokens are not): 64 bits of
 * sha256, so two namespaces sharing a tag is out of the question in practice — and kv.ns is checked anyway.
 */
function nsTag(ns: string): string {
  return 'ns' + createHash('sha256').update(ns).digest('hex').slice(0, 16);
}

/** Every statement is prepared once per connection: preparing costs more than running one. */
function prepareStatements(db: DatabaseSync, t: Tables) {
  const p = (sql: string): StatementSync => db.prepare(sql);
  const liveAt = `(expires_at IS NULL OR expires_at > ?)`;
  return {
    upsert: p(`INSERT INTO ${t.kv} (ns, key, value, updated_at, expires_at) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT (ns, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at,
      expires_at = excluded.expires_at RETURNING id`),
    ftsDelete: p(`DELETE FROM ${t.fts} WHERE rowid = ?`),
    ftsInsert: p(`INSERT INTO ${t.fts} (rowid, ns_tag, key_words, value_words) VALUES (?, ?, ?, ?)`),
    get: p(`SELECT value FROM ${t.kv} WHERE ns = ? AND key = ? AND ${liveAt}`),
    delete: p(`DELETE FROM ${t.kv} WHERE ns = ? AND key = ? RETURNING id, expires_at`),
    // The range on `key` uses the (ns, key) index; substr makes the prefix test exact.
    list: p(`SELECT key, value, updated_at FROM ${t.kv} WHERE ns = ? AND key >= ? AND substr(key, 1, length(?)) = ?
      AND ${liveAt} ORDER BY key LIMIT ?`),
    // CROSS JOIN keeps the full-text index as the outer loop: driven from kv instead, SQLite would run the
    // MATCH once per row of the namespace, which is quadratic. ns_tag has weight 0: it filters, never ranks.
    search: p(`SELECT kv.key AS key, kv.value AS value, bm25(${t.fts}, 0.0, ${KEY_BOOST}.0, 1.0) AS rank
      FROM ${t.fts} CROSS JOIN ${t.kv} kv ON kv.id = ${t.fts}.rowid
      WHERE ${t.fts} MATCH ? AND kv.ns = ? AND (kv.expires_at IS NULL OR kv.expires_at > ?)
      ORDER BY rank, kv.key LIMIT ?`),
    maxSeq: p(`SELECT coalesce(max(seq), 0) AS seq FROM ${t.events} WHERE ns = ?`),
    insertEvent: p(`INSERT INTO ${t.events} (ns, seq, at, event) VALUES (?, ?, ?, ?)`),
    events: p(`SELECT seq, at, event FROM ${t.events} WHERE ns = ? AND seq > ? ORDER BY seq LIMIT ?`),
    purgeFts: p(`DELETE FROM ${t.fts} WHERE rowid IN (SELECT id FROM ${t.kv} WHERE expires_at <= ?)`),
    purgeKv: p(`DELETE FROM ${t.kv} WHERE expires_at <= ?`),
  };
}
