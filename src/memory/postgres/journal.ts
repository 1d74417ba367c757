import type pg from 'pg';
import type { JournalBackend, JournalBatch, StoredRun } from '../backend.js';
import type { RunState } from '../types.js';
import type { Tables } from './schema.js';
import { inTransaction } from './transaction.js';

interface RunRow {
  fingerprint: string;
  structure: string;
  state: RunState;
  attempts: number;
  started_at: string;
  finished_at: string | null;
  error: string | null;
}

/** Journal storage on the store's PostgreSQL pool; a batch of writes is one transaction. */
export class PostgresJournal implements JournalBackend {
  constructor(private readonly pool: pg.Pool, private readonly t: Tables) {}

  async getRun(runId: string): Promise<StoredRun | undefined> {
    const { rows } = await this.pool.query<RunRow>(
      `SELECT fingerprint, structure, state, attempts, started_at, finished_at, error FROM ${this.t.runs} WHERE run_id = $1`,
      [runId],
    );
    const row = rows[0];
    if (!row) return undefined;
    return {
      fingerprint: row.fingerprint, structure: row.structure, state: row.state, attempts: row.attempts,
      startedAt: Number(row.started_at), finishedAt: row.finished_at === null ? null : Number(row.finished_at), error: row.error,
    };
  }

  async getSteps(runId: string): Promise<Map<string, string | null>> {
    const { rows } = await this.pool.query<{ path: string; output: string | null }>(
      `SELECT path, output FROM ${this.t.steps} WHERE run_id = $1`,
      [runId],
    );
    return new Map(rows.map((r) => [r.path, r.output]));
  }

  async getStep(runId: string, path: string): Promise<{ json: string | null } | undefined> {
    const { rows } = await this.pool.query<{ output: string | null }>(
      `SELECT output FROM ${this.t.steps} WHERE run_id = $1 AND path = $2`,
      [runId, path],
    );
    const row = rows[0];
    return row && { json: row.output };
  }

  async writeBatch(batch: JournalBatch): Promise<void> {
    await inTransaction(this.pool, async (client) => {
      for (const r of batch.starts) {
        await client.query(
          `INSERT INTO ${this.t.runs} AS r (run_id, fingerprint, structure, state, attempts, started_at) VALUES ($1, $2, $3, 'running', 1, $4)
           ON CONFLICT (run_id) DO UPDATE SET state = 'running', attempts = r.attempts + 1, finished_at = NULL, error = NULL`,
          [r.runId, r.fingerprint, r.structure, r.startedAt],
        );
      }
      if (batch.steps.length > 0) {
        // One statement for all outputs: (run_id, path) pairs are unique within a batch (journal-buffer.ts).
        const steps = batch.steps;
        await client.query(
          `INSERT INTO ${this.t.steps} (run_id, path, output, recorded_at)
           SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[])
           ON CONFLICT (run_id, path) DO UPDATE SET output = excluded.output, recorded_at = excluded.recorded_at`,
          [steps.map((r) => r.runId), steps.map((r) => r.path), steps.map((r) => r.json), steps.map((r) => r.recordedAt)],
        );
      }
      for (const r of batch.finishes) {
        await client.query(`UPDATE ${this.t.runs} SET state = $2, finished_at = $3, error = $4 WHERE run_id = $1`, [r.runId, r.state, r.finishedAt, r.error]);
      }
    });
  }


  async countSteps(runId: string): Promise<number> {
    const { rows } = await this.pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${this.t.steps} WHERE run_id = $1`, [runId]);
    return Number(rows[0]?.n ?? 0);
  }

  async forget(runId: string): Promise<boolean> {
    const { rows } = await this.pool.query<{ existed: boolean }>(
      `WITH s AS (DELETE FROM ${this.t.steps} WHERE run_id = $1), r AS (DELETE FROM ${this.t.runs} WHERE run_id = $1 RETURNING 1)
       SELECT EXISTS (SELECT 1 FROM r) AS existed`,
      [runId],
    );
    return rows[0]?.existed === true;
  }
}
