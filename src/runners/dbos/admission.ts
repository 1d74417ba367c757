import type { DBOSClient } from '@dbos-inc/dbos-sdk';
import type pg from 'pg';
import type { EnqueuePlan } from '../enqueue-plan.js';
import { QueueFullError } from '../errors.js';
import { priorityRank } from '../types.js';
import { inTransaction } from '../../memory/postgres/transaction.js';
import { advisoryKey } from './database.js';

/**
 * Enqueues one run on its DBOS queue unless the queue's backlog is at its admission limit.
 *
 * The count of waiting runs and the insert happen in ONE transaction under a per-queue advisory lock, so
 * concurrent submitters (any number of processes) can never overshoot the limit together; the count stops
 * at the limit (`LIMIT`), so a deep backlog costs no more than a full one. Returns the id of the run that now
 * exists: the given runId, or — when `dedupeKey` matched a queued/running run — that run's id.
 * Reads DBOS's documented `workflow_status` system table directly: DBOS has no count API, and listing up to
 * `maxQueued` rows per submit would be needlessly heavy. No application version is pinned: the run goes to
 * whichever workers run the latest registered version (DBOS's rule), so a rolling deploy never strands it.
 */
export async function admitAndEnqueue(pool: pg.Pool, client: DBOSClient, schema: string, plan: EnqueuePlan): Promise<string> {
  const table = `"${schema}".workflow_status`;
  return inTransaction(pool, async (conn) => {
    // An id that exists already is an idempotent re-submit: no admission check, nothing new queued.
    const existing = await conn.query(`SELECT 1 FROM ${table} WHERE workflow_uuid = $1`, [plan.runId]);
    if (existing.rowCount) return plan.runId;
    await conn.query('SELECT pg_advisory_xact_lock($1)', [advisoryKey(`firebreak:admission:${schema}:${plan.queue.name}`)]);
    const { rows } = await conn.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM (SELECT 1 FROM ${table} WHERE queue_name = $1 AND status = 'ENQUEUED' LIMIT $2) AS waiting`,
      [plan.queue.name, plan.queue.maxQueued],
    );
    const waiting = rows[0]?.n ?? 0;
    if (waiting >= plan.queue.maxQueued) throw new QueueFullError(plan.queue.name, waiting, plan.queue.maxQueued);
    const handle = await client.enqueueInTransaction(conn, {
      queueName: plan.queue.name,
      workflowName: plan.definition.name,
      workflowID: plan.runId,
      priority: priorityRank(plan.priority),
      ...(plan.timeoutMs !== undefined ? { workflowTimeoutMS: plan.timeoutMs } : {}),
      ...(plan.dedupeKey !== undefined ? { deduplicationID: plan.dedupeKey, duplicationPolicy: 'return-existing' as const } : {}),
    }, plan.input);
    return handle.workflowID;
  });
}
