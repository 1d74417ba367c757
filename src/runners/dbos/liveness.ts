import { hostname } from 'node:os';
import type pg from 'pg';
import type { Logger } from 'pino';
import { ExecutorIdInUseError } from '../errors.js';

export interface LivenessOptions {
  readonly pool: pg.Pool;
  readonly executorId: string;
  readonly applicationName: string;
  readonly applicationVersion: string;
  readonly heartbeatMs: number;
  readonly deadAfterMs: number;
  readonly logger: Logger;
  /** Re-enqueues the PENDING workflows of a dead executor on their queues; returns how many. */
  recover(executorId: string): Promise<number>;
  /** True while the executor still owns PENDING workflows (of any application version). */
  hasPending(executorId: string): Promise<boolean>;
}

interface ExecutorRow {
  host: string;
  pid: number;
  age_ms: number;
  version: string;
}

/**
 * Worker liveness for self-hosted DBOS. DBOS recovers a dead executor's workflows only when an executor with
 * the SAME id launches again (or when told to, which DBOS Conductor does in its hosted offering). A worker
 * that never comes back would strand its runs, so every worker heartbeats a row in `firebreak.executors`,
 * and every worker sweeps for rows silent longer than `deadAfterMs`: their PENDING workflows are put back
 * on their queues (DBOS's own recovery, one atomic UPDATE, so two sweeping peers cannot both take a run)
 * and run again from their last recorded step by whichever worker dequeues them. Times are the database's
 * `now()`, so clock skew between machines does not matter.
 */
export class Liveness {
  #timer: NodeJS.Timeout | undefined;
  #tick: Promise<void> | undefined;

  constructor(private readonly o: LivenessOptions) {}

  /**
   * Takes this worker's row. A row of a previous incarnation on this host (its pid is gone, or is ours) or a
   * silent one is taken over; a row another live worker heartbeats fails with ExecutorIdInUseError.
   */
  async claim(): Promise<void> {
    const { pool, executorId } = this.o;
    for (let tries = 0; tries < 5; tries++) {
      const { rows } = await pool.query<ExecutorRow & { xmin: string }>(
        `SELECT host, pid, application_version AS version, xmin::text AS xmin,
                (extract(epoch FROM now() - heartbeat_at) * 1000)::float8 AS age_ms
           FROM firebreak.executors WHERE executor_id = $1`, [executorId]);
      const row = rows[0];
      if (!row) {
        const inserted = await pool.query(
          `INSERT INTO firebreak.executors (executor_id, application_name, application_version, host, pid)
           VALUES ($1, $2, $3, $4, $5) ON CONFLICT (executor_id) DO NOTHING`, this.#identity());
        if (inserted.rowCount) return;
        continue;
      }
      const predecessor = row.host === hostname() && (row.pid === process.pid || !pidAlive(row.pid));
      if (!predecessor && row.age_ms < this.o.deadAfterMs) throw new ExecutorIdInUseError(executorId, row.age_ms);
      const updated = await pool.query(
        `UPDATE firebreak.executors SET application_name = $2, application_version = $3, host = $4, pid = $5,
                started_at = now(), heartbeat_at = now()
          WHERE executor_id = $1 AND xmin::text = $6`, [...this.#identity(), row.xmin]);
      if (updated.rowCount) return;
    }
    throw new ExecutorIdInUseError(executorId, 0);
  }

  /** Heartbeats and sweeps every `heartbeatMs` until stop(). Timers are unref'd: they never keep a process up. */
  start(): void {
    this.#timer = setInterval(() => {
      this.#tick ??= this.#beat().finally(() => (this.#tick = undefined));
    }, this.o.heartbeatMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#tick;
  }

  /** Drops this worker's row — only once it owns no PENDING run, or peers could never recover those. */
  async release(): Promise<void> {
    if (await this.o.hasPending(this.o.executorId)) return;
    await this.o.pool.query('DELETE FROM firebreak.executors WHERE executor_id = $1 AND pid = $2', [this.o.executorId, process.pid]);
  }

  /** One recovery pass: recovers the runs of every silent worker; returns the executor ids it recovered from. */
  async sweep(): Promise<string[]> {
    const { pool, logger } = this.o;
    const { rows } = await pool.query<{ executor_id: string }>(
      `SELECT executor_id FROM firebreak.executors
        WHERE application_name = $1 AND executor_id <> $2 AND heartbeat_at < now() - make_interval(secs => $3::float8 / 1000)`,
      [this.o.applicationName, this.o.executorId, this.o.deadAfterMs]);
    const recovered: string[] = [];
    for (const { executor_id: dead } of rows) {
      const count = await this.o.recover(dead);
      if (count > 0) {
        recovered.push(dead);
        logger.warn({ deadExecutor: dead, runs: count, by: this.o.executorId }, 'worker presumed dead: its running workflows were re-queued');
      }
      if (!(await this.o.hasPending(dead))) {
        await pool.query(
          `DELETE FROM firebreak.executors WHERE executor_id = $1 AND heartbeat_at < now() - make_interval(secs => $2::float8 / 1000)`,
          [dead, this.o.deadAfterMs]);
      }
    }
    return recovered;
  }

  async #beat(): Promise<void> {
    try {
      const { rowCount } = await this.o.pool.query('UPDATE firebreak.executors SET heartbeat_at = now() WHERE executor_id = $1', [this.o.executorId]);
      if (!rowCount) {
        // Peers declared us dead (a stall longer than deadAfterMs): our runs were re-queued, and DBOS's ownership
        // check stops our stale executions at their next step. Rejoin so we are not recovered again.
        this.o.logger.error({ executorId: this.o.executorId }, 'this worker was presumed dead by its peers; rejoining');
        await this.o.pool.query(
          `INSERT INTO firebreak.executors (executor_id, application_name, application_version, host, pid)
           VALUES ($1, $2, $3, $4, $5) ON CONFLICT (executor_id) DO UPDATE SET heartbeat_at = now()`, this.#identity());
      }
      await this.sweep();
    } catch (err) {
      this.o.logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'heartbeat or recovery sweep failed; retrying next tick');
    }
  }

  #identity(): [string, string, string, string, number] {
    return [this.o.executorId, this.o.applicationName, this.o.applicationVersion, hostname(), process.pid];
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
