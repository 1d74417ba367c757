import type { DatabaseSync } from 'node:sqlite';

/**
 * Connection settings and tables for the SQLite backend.
 *
 * WAL lets readers proceed while one writer commits; synchronous=NORMAL in WAL mode fsyncs at checkpoints
 * rather than every commit — a crash of the process loses nothing, a power cut may lose the last commits,
 * the usual trade for a local agent store. busy_timeout makes a second process wait for the write lock
 * instead of failing at once.
 */
export function configure(db: DatabaseSync, busyTimeoutMs: number): void {
  db.exec(`PRAGMA busy_timeout = ${Math.trunc(busyTimeoutMs)}`);
  db.exec('PRAGMA journal_mode = WAL');
  db.exec('PRAGMA synchronous = NORMAL');
}

/** Table names for a prefix (validated by url.ts to be a plain SQL identifier). */
export function tableNames(prefix: string) {
  return {
    kv: `${prefix}kv`,
    fts: `${prefix}kv_fts`,
    events: `${prefix}events`,
    runs: `${prefix}runs`,
    steps: `${prefix}steps`,
    signals: `${prefix}signals`,
  };
}

export type Tables = ReturnType<typeof tableNames>;

/** Creates the tables if missing. Idempotent, and safe when several processes open the same file at once. */
export function migrate(db: DatabaseSync, t: Tables): void {
  inTransaction(db, () => {
    db.exec(`
      CREATE TABLE IF NOT EXISTS ${t.kv} (
        id INTEGER PRIMARY KEY,
        ns TEXT NOT NULL,
        key TEXT NOT NULL,
        value TEXT NOT NULL,
        updated_at INTEGER NOT NULL,
        expires_at INTEGER,
        UNIQUE (ns, key)
      );
      CREATE INDEX IF NOT EXISTS ${t.kv}_expires ON ${t.kv} (expires_at) WHERE expires_at IS NOT NULL;
      CREATE VIRTUAL TABLE IF NOT EXISTS ${t.fts} USING fts5 (ns_tag, key_words, value_words, tokenize = 'unicode61');
      CREATE TABLE IF NOT EXISTS ${t.events} (
        ns TEXT NOT NULL,
        seq INTEGER NOT NULL,
        at INTEGER NOT NULL,
        event TEXT NOT NULL,
        PRIMARY KEY (ns, seq)
      ) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS ${t.runs} (
        run_id TEXT PRIMARY KEY,
        fingerprint TEXT NOT NULL,
        structure TEXT NOT NULL,
        state TEXT NOT NULL,
        attempts INTEGER NOT NULL,
        started_at INTEGER NOT NULL,
        finished_at INTEGER,
        error TEXT
      ) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS ${t.steps} (
        run_id TEXT NOT NULL,
        path TEXT NOT NULL,
        output TEXT,
        recorded_at INTEGER NOT NULL,
        PRIMARY KEY (run_id, path)
      ) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS ${t.signals} (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at INTEGER NOT NULL,
        message TEXT NOT NULL
      );
      CREATE INDEX IF NOT EXISTS ${t.signals}_at ON ${t.signals} (at);
    `);
  });
}

/**
 * Runs `fn` in a write transaction. BEGIN IMMEDIATE takes the write lock up front (waiting up to
 * busy_timeout): a deferred transaction that reads first and writes later can fail with SQLITE_BUSY when
 * another process committed in between, and the busy handler cannot help with that case.
 */
export function inTransaction<T>(db: DatabaseSync, fn: () => T): T {
  db.exec('BEGIN IMMEDIATE');
  try {
    const result = fn();
    db.exec('COMMIT');
    return result;
  } catch (err) {
    if (db.isTransaction) db.exec('ROLLBACK');
    throw err;
  }
}
