import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { JournalBackend, JournalBatch, StoredRun } from '../backend.js';
import type { RunState } from '../types.js';
import { inTransaction, type Tables } from './schema.js';

interface RunRow {
  fingerprint: string;
  structure: string;
  state: RunState;
  attempts: number;
  started_at: number;
  finished_at: number | null;
  error: string | null;
}

/**
 * Journal storage on the store's SQLite connection: one prepared statement per operation, and each batch
 * of writes (journal-buffer.ts) in one transaction — the commit is what costs.
 */
export class SqliteJournal implements JournalBackend {
  readonly #s: ReturnType<typeof prepareStatements>;

  constructor(private readonly db: DatabaseSync, t: Tables) {
    this.#s = prepareStatements(db, t);
  }

  async getRun(runId: string): Promise<StoredRun | undefined> {
    const row = this.#s.getRun.get(runId) as RunRow | undefined;
    if (!row) return undefined;
    return {
      fingerprint: row.fingerprint, structure: row.structure, state: row.state, attempts: row.attempts,
      startedAt: row.started_at, finishedAt: row.finished_at, error: row.error,
    };
  }

  async getSteps(runId: string): Promise<Map<string, string | null>> {
    const rows = this.#s.getSteps.all(runId) as { path: string; output: string | null }[];
    return new Map(rows.map((r) => [r.path, r.output]));
  }

  async getStep(runId: string, path: string): Promise<{ json: string | null } | undefined> {
    const row = this.#s.getStep.get(runId, path) as { output: string | null } | undefined;
    return row && { json: row.output };
  }

  async writeBatch(batch: JournalBatch): Promise<void> {
    const s = this.#s;
    inTransaction(this.db, () => {
      for (const r of batch.starts) s.startRun.run(r.runId, r.fingerprint, r.structure, r.startedAt);
      for (const r of batch.steps) s.putStep.run(r.runId, r.path, r.json, r.recordedAt);
      for (const r of batch.finishes) s.finishRun.run(r.state, r.finishedAt, r.error, r.runId);
    });
  }

  async countSteps(runId: string): Promise<number> {
    return (this.#s.countSteps.get(runId) as { n: number }).n;
  }

  async forget(runId: string): Promise<boolean> {
    const s = this.#s;
    return inTransaction(this.db, () => {
      s.forgetSteps.run(runId);
      return Number(s.forgetRun.run(runId).changes) > 0;
    });
  }
}

function prepareStatements(db: DatabaseSync, t: Tables) {
  const p = (sql: string): StatementSync => db.prepare(sql);
  return {
    getRun: p(`SELECT fingerprint, structure, state, attempts, started_at, finished_at, error FROM ${t.runs} WHERE run_id = ?`),
    startRun: p(`INSERT INTO ${t.runs} (run_id, fingerprint, structure, state, attempts, started_at) VALUES (?, ?, ?, 'running', 1, ?)
      ON CONFLICT (run_id) DO UPDATE SET state = 'running', attempts = attempts + 1, finished_at = NULL, error = NULL`),
    getSteps: p(`SELECT path, output FROM ${t.steps} WHERE run_id = ?`),
    getStep: p(`SELECT output FROM ${t.steps} WHERE run_id = ? AND path = ?`),
    putStep: p(`INSERT OR REPLACE INTO ${t.steps} (run_id, path, output, recorded_at) VALUES (?, ?, ?, ?)`),
    finishRun: p(`UPDATE ${t.runs} SET state = ?, finished_at = ?, error = ? WHERE run_id = ?`),
    countSteps: p(`SELECT count(*) AS n FROM ${t.steps} WHERE run_id = ?`),
    forgetSteps: p(`DELETE FROM ${t.steps} WHERE run_id = ?`),
    forgetRun: p(`DELETE FROM ${t.runs} WHERE run_id = ?`),
  };
}
