import '../quiet-sqlite-warning.js';
import { randomUUID } from 'node:crypto';
import { DatabaseSync } from 'node:sqlite';
import { countsByStatus } from '../status-counts.js';
import { SAGA_STATUSES, type SagaStatus } from '../config.js';

/** One row of `saga_executions` (the table name and columns follow seed 002's runbook SQL). */
export interface SagaRow {
  readonly id: string;
  readonly saga_name: string;
  readonly status: SagaStatus;
  readonly retry_count: number;
  readonly current_step: string | null;
  readonly error_message: string | null;
  /** Epoch milliseconds. */
  readonly created_at: number;
  readonly updated_at: number;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS saga_executions (
  id            TEXT PRIMARY KEY,
  saga_name     TEXT NOT NULL,
  status        TEXT NOT NULL CHECK (status IN (${SAGA_STATUSES.map((s) => `'${s}'`).join(', ')})),
  retry_count   INTEGER NOT NULL DEFAULT 0,
  current_step  TEXT,
  error_message TEXT,
  created_at    INTEGER NOT NULL,
  updated_at    INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS saga_executions_status_updated ON saga_executions (status, updated_at);
`;

/**
 * The saga table in SQLite (`node:sqlite`). It lives in the service's --data dir so it survives restarts:
 * that is what lets a crash leave sagas stuck in RUNNING for the next process to find.
 * All calls are synchronous and small; one process owns the file at a time (WAL + busy timeout cover a
 * brief overlap during a redeploy).
 */
export class SagaStore {
  private constructor(private readonly db: DatabaseSync) {}

  /** Opens (creating if needed) the saga database at `file`; `:memory:` for a throwaway table. */
  static open(file: string): SagaStore {
    const db = new DatabaseSync(file);
    db.exec('PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 5000; PRAGMA synchronous = NORMAL;');
    db.exec(SCHEMA);
    return new SagaStore(db);
  }

  /** Inserts a PENDING saga. */
  create(name: string, now = Date.now()): SagaRow {
    const row: SagaRow = { id: randomUUID(), saga_name: name, status: 'PENDING', retry_count: 0, current_step: null, error_message: null, created_at: now, updated_at: now };
    this.db
      .prepare('INSERT INTO saga_executions (id, saga_name, status, retry_count, created_at, updated_at) VALUES (?, ?, ?, 0, ?, ?)')
      .run(row.id, row.saga_name, row.status, row.created_at, row.updated_at);
    return row;
  }

  /** Atomically moves up to `limit` PENDING / RETRY_PENDING sagas (oldest first) to RUNNING and returns them. */
  claim(limit: number, now = Date.now()): SagaRow[] {
    return this.db
      .prepare(
        `UPDATE saga_executions SET status = 'RUNNING', updated_at = ?, current_step = NULL
         WHERE id IN (SELECT id FROM saga_executions WHERE status IN ('PENDING', 'RETRY_PENDING') ORDER BY updated_at LIMIT ?)
         RETURNING *`,
      )
      .all(now, limit) as unknown as SagaRow[];
  }

  /** Records progress of a RUNNING saga (its heartbeat: recovery judges staleness by updated_at). */
  heartbeat(id: string, step: string, now = Date.now()): void {
    this.db.prepare(`UPDATE saga_executions SET current_step = ?, updated_at = ? WHERE id = ? AND status = 'RUNNING'`).run(step, now, id);
  }

  /** Ends a RUNNING saga. */
  finish(id: string, status: 'COMPLETED' | 'FAILED', errorMessage: string | null = null, now = Date.now()): void {
    this.db.prepare(`UPDATE saga_executions SET status = ?, error_message = ?, updated_at = ? WHERE id = ? AND status = 'RUNNING'`).run(status, errorMessage, now, id);
  }

  /**
   * The seed-002 runbook: `UPDATE saga_executions SET status = 'RETRY_PENDING', retry_count = retry_count + 1
   * WHERE status = 'RUNNING' AND updated_at < :staleBefore AND retry_count < :maxRetries`. Returns each changed
   * row (after the update) with `stuckSince`, its updated_at before the update.
   */
  markStaleForRetry(staleBefore: number, maxRetries: number, now = Date.now()): { saga: SagaRow; stuckSince: number }[] {
    const where = `status = 'RUNNING' AND updated_at < ? AND retry_count < ?`;
    this.db.exec('BEGIN IMMEDIATE');
    try {
      const before = this.db.prepare(`SELECT id, updated_at FROM saga_executions WHERE ${where}`).all(staleBefore, maxRetries) as unknown as { id: string; updated_at: number }[];
      const rows = this.db
        .prepare(`UPDATE saga_executions SET status = 'RETRY_PENDING', retry_count = retry_count + 1, updated_at = ? WHERE ${where} RETURNING *`)
        .all(now, staleBefore, maxRetries) as unknown as SagaRow[];
      this.db.exec('COMMIT');
      const since = new Map(before.map((r) => [r.id, r.updated_at]));
      return rows.map((saga) => ({ saga, stuckSince: since.get(saga.id) ?? staleBefore }));
    } catch (err) {
      this.db.exec('ROLLBACK');
      throw err;
    }
  }

  /** RUNNING sagas older than `staleBefore` that the runbook may no longer retry (retry budget spent). */
  countStaleBeyondBudget(staleBefore: number, maxRetries: number): number {
    const row = this.db.prepare(`SELECT COUNT(*) AS n FROM saga_executions WHERE status = 'RUNNING' AND updated_at < ? AND retry_count >= ?`).get(staleBefore, maxRetries) as { n: number } | undefined;
    return row?.n ?? 0;
  }

  /** Row counts per status; every status is present (0 when none). */
  countsByStatus(): Record<SagaStatus, number> {
    return countsByStatus(this.db, 'saga_executions', SAGA_STATUSES);
  }

  /** updated_at of the least recently updated RUNNING saga, or undefined when none runs. */
  oldestRunningUpdatedAt(): number | undefined {
    const row = this.db.prepare(`SELECT MIN(updated_at) AS t FROM saga_executions WHERE status = 'RUNNING'`).get() as { t: number | null } | undefined;
    return row?.t ?? undefined;
  }

  /** One saga by id. */
  get(id: string): SagaRow | undefined {
    return this.db.prepare('SELECT * FROM saga_executions WHERE id = ?').get(id) as unknown as SagaRow | undefined;
  }

  close(): void {
    if (this.db.isOpen) this.db.close();
  }
}
