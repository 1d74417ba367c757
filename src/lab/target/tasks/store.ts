import '../quiet-sqlite-warning.js';
import { randomUUID } from 'node:crypto';
import { DatabaseSync } from 'node:sqlite';
import { countsByStatus } from '../status-counts.js';
import { TaskQueueFullError } from '../errors.js';

/** Where a task is: waiting for a worker, being run by one, or done. */
export const TASK_STATUSES = ['queued', 'running', 'succeeded', 'failed'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

/** One row of the `tasks` table. Times are epoch milliseconds. */
export interface TaskRow {
  readonly id: string;
  readonly kind: string;
  readonly status: TaskStatus;
  /** The attempt running now (or the last one): 1 for the first. */
  readonly attempt: number;
  /** When the task was accepted (202); kept across retries. */
  readonly enqueued_at: number;
  /** Start of the current (or last) attempt. */
  readonly started_at: number | null;
  readonly finished_at: number | null;
  /** The process running the current attempt (null unless running). */
  readonly owner: string | null;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS tasks (
  id          TEXT PRIMARY KEY,
  seq         INTEGER NOT NULL,
  kind        TEXT NOT NULL,
  status      TEXT NOT NULL CHECK (status IN (${TASK_STATUSES.map((s) => `'${s}'`).join(', ')})),
  attempt     INTEGER NOT NULL,
  enqueued_at INTEGER NOT NULL,
  started_at  INTEGER,
  finished_at INTEGER,
  owner       TEXT
);
CREATE INDEX IF NOT EXISTS tasks_status_seq ON tasks (status, seq);
CREATE INDEX IF NOT EXISTS tasks_status_enqueued ON tasks (status, enqueued_at);
CREATE INDEX IF NOT EXISTS tasks_status_started ON tasks (status, started_at);
CREATE INDEX IF NOT EXISTS tasks_seq ON tasks (seq);
`;

/**
 * The durable task queue of the worker pool, in SQLite (`node:sqlite`) in the service's --data dir, shared
 * by every release — the way a Temporal task queue outlives its workers. Queued AND running tasks survive a
 * deploy, a rollback and a SIGKILL: the attempts a dead process was running stay `running` under its owner
 * id until the next process calls `recoverOrphans()`, which puts them back at their place in the queue.
 *
 * FIFO by `seq`; a retry gets a new seq (the back of the queue). Rows are never deleted, so "accepted but
 * no longer here" can only mean lost work (the drills' harm check reads this table).
 * Gotcha: one process owns the file at a time (the lab's deployer stops the old release before starting
 * the new one); WAL and a busy timeout cover a brief overlap.
 */
export class TaskStore {
  private constructor(private readonly db: DatabaseSync) {}

  /** Opens (creating if needed) the task database at `file`; `:memory:` for a throwaway queue. */
  static open(file: string, options: { readOnly?: boolean } = {}): TaskStore {
    const db = new DatabaseSync(file, options.readOnly ? { readOnly: true } : {});
    db.exec('PRAGMA busy_timeout = 5000;');
    if (!options.readOnly) {
      // synchronous=NORMAL in WAL mode: a committed row survives the process being killed (not a power cut).
      db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;');
      db.exec(SCHEMA);
    }
    return new TaskStore(db);
  }

  /**
   * Accepts a task at the back of the queue. Throws `TaskQueueFullError` when `maxQueueDepth` (null:
   * unbounded) tasks are already queued; the check and the insert are one transaction.
   */
  enqueue(kind: string, maxQueueDepth: number | null, now = Date.now()): TaskRow {
    this.db.exec('BEGIN IMMEDIATE');
    try {
      if (maxQueueDepth !== null) {
        const depth = this.queuedCount();
        if (depth >= maxQueueDepth) throw new TaskQueueFullError(depth, maxQueueDepth);
      }
      const row = this.db
        .prepare(`INSERT INTO tasks (id, seq, kind, status, attempt, enqueued_at) VALUES (?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM tasks), ?, 'queued', 1, ?) RETURNING ${COLUMNS}`)
        .get(randomUUID(), kind, now) as unknown as TaskRow;
      this.db.exec('COMMIT');
      return row;
    } catch (err) {
      this.db.exec('ROLLBACK');
      throw err;
    }
  }

  /** Moves up to `limit` queued tasks (front of the queue first) to `running` under `owner` and returns them. */
  claim(limit: number, owner: string, now = Date.now()): TaskRow[] {
    if (limit <= 0) return [];
    return this.db
      .prepare(
        `UPDATE tasks SET status = 'running', owner = ?, started_at = ?
         WHERE id IN (SELECT id FROM tasks WHERE status = 'queued' ORDER BY seq LIMIT ?)
         RETURNING ${COLUMNS}`,
      )
      .all(owner, now, limit) as unknown as TaskRow[];
  }

  /** Ends `owner`'s running attempt of task `id`. */
  finish(id: string, owner: string, status: 'succeeded' | 'failed', now = Date.now()): void {
    this.db.prepare(`UPDATE tasks SET status = ?, finished_at = ?, owner = NULL WHERE id = ? AND status = 'running' AND owner = ?`).run(status, now, id, owner);
  }

  /** Puts `owner`'s running task back at the END of the queue as attempt `attempt` (a retry). */
  retry(id: string, owner: string, attempt: number): void {
    this.db
      .prepare(`UPDATE tasks SET status = 'queued', attempt = ?, owner = NULL, seq = (SELECT COALESCE(MAX(seq), 0) + 1 FROM tasks) WHERE id = ? AND status = 'running' AND owner = ?`)
      .run(attempt, id, owner);
  }

  /**
   * Re-queues attempts that no live process runs: every running task not owned by `owner` (a process that
   * died), or — with `own: true` — `owner`'s own (a graceful stop handing its work over). They keep their
   * queue position and attempt number: the attempt was interrupted, not failed. Returns how many.
   */
  recoverOrphans(owner: string, o: { own?: boolean } = {}): number {
    const where = o.own ? 'owner = ?' : '(owner IS NULL OR owner <> ?)';
    const result = this.db.prepare(`UPDATE tasks SET status = 'queued', owner = NULL, started_at = NULL WHERE status = 'running' AND ${where}`).run(owner);
    return Number(result.changes);
  }

  /** Tasks waiting for a worker. */
  queuedCount(): number {
    return (this.db.prepare(`SELECT COUNT(*) AS n FROM tasks WHERE status = 'queued'`).get() as { n: number }).n;
  }

  /** Row counts per status; every status is present (0 when none). */
  countsByStatus(): Record<TaskStatus, number> {
    return countsByStatus(this.db, 'tasks', TASK_STATUSES);
  }

  /** enqueued_at of the oldest queued task, or undefined when the queue is empty. */
  oldestQueuedAt(): number | undefined {
    const row = this.db.prepare(`SELECT MIN(enqueued_at) AS t FROM tasks WHERE status = 'queued'`).get() as { t: number | null } | undefined;
    return row?.t ?? undefined;
  }

  /** started_at of the longest-running current attempt, or undefined when nothing runs. */
  oldestRunningStartedAt(): number | undefined {
    const row = this.db.prepare(`SELECT MIN(started_at) AS t FROM tasks WHERE status = 'running'`).get() as { t: number | null } | undefined;
    return row?.t ?? undefined;
  }

  /** One task by id. */
  get(id: string): TaskRow | undefined {
    return this.db.prepare(`SELECT ${COLUMNS} FROM tasks WHERE id = ?`).get(id) as unknown as TaskRow | undefined;
  }

  close(): void {
    if (this.db.isOpen) this.db.close();
  }
}

const COLUMNS = 'id, kind, status, attempt, enqueued_at, started_at, finished_at, owner';
