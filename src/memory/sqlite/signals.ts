import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { SignalTransport } from '../backend.js';
import { inTransaction, type Tables } from './schema.js';

/** How often a listening store looks for new signals. */
export const SIGNAL_POLL_MS = 100;
/** Signals older than this are deleted by the next publish: a listener is never that far behind. */
const KEEP_MS = 60_000;
const PAGE = 1000;

/**
 * Signals over a SQLite file, which has no notifications across processes: a publish is a row in the
 * signals table, and a listening store polls. Polling is cheap while nothing changes: `PRAGMA data_version`
 * (a counter SQLite bumps when another connection commits) is compared first, and the table is only read
 * when it moved or this connection published. Rows are ids from AUTOINCREMENT, so a listener's "last seen
 * id" never meets a reused id after old rows are pruned.
 */
export class SqliteSignals implements SignalTransport {
  readonly #s: Record<'insert' | 'prune' | 'maxId' | 'after' | 'version', StatementSync>;
  #deliver: ((message: string) => void) | undefined;
  #timer: NodeJS.Timeout | undefined;
  #lastId = 0;
  #version = -1;
  /** This connection published: data_version does not count our own commits. */
  #dirty = false;

  constructor(private readonly db: DatabaseSync, t: Tables) {
    const p = (sql: string): StatementSync => db.prepare(sql);
    this.#s = {
      insert: p(`INSERT INTO ${t.signals} (at, message) VALUES (?, ?)`),
      prune: p(`DELETE FROM ${t.signals} WHERE at < ?`),
      maxId: p(`SELECT coalesce(max(id), 0) AS id FROM ${t.signals}`),
      after: p(`SELECT id, message FROM ${t.signals} WHERE id > ? ORDER BY id LIMIT ${PAGE}`),
      version: p('PRAGMA data_version'),
    };
  }

  async start(deliver: (message: string) => void): Promise<void> {
    this.#lastId = (this.#s.maxId.get() as { id: number }).id;
    this.#version = this.#dataVersion();
    this.#dirty = false;
    this.#deliver = deliver;
    // Not unref'd: a subscription keeps the process alive, as a listening socket does on the other backends.
    this.#timer = setInterval(() => this.#poll(), SIGNAL_POLL_MS);
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#deliver = undefined;
  }

  async publish(message: string): Promise<void> {
    const now = Date.now();
    inTransaction(this.db, () => {
      this.#s.insert.run(now, message);
      this.#s.prune.run(now - KEEP_MS);
    });
    if (this.#deliver) {
      this.#dirty = true;
      // Our own subscribers need not wait for the next tick.
      queueMicrotask(() => this.#poll());
    }
  }

  #poll(): void {
    if (!this.#deliver || !this.db.isOpen) return;
    try {
      const version = this.#dataVersion();
      if (version === this.#version && !this.#dirty) return;
      this.#version = version;
      this.#dirty = false;
      for (;;) {
        const rows = this.#s.after.all(this.#lastId) as { id: number; message: string }[];
        for (const row of rows) {
          this.#lastId = row.id;
          this.#deliver?.(row.message);
        }
        if (rows.length < PAGE || !this.#deliver) break;
      }
    } catch {
      // A busy or closing database: the next tick tries again (data_version has not been consumed).
      this.#version = -1;
    }
  }

  #dataVersion(): number {
    return (this.#s.version.get() as { data_version: number }).data_version;
  }
}
