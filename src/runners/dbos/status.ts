import type { WorkflowStatus } from '@dbos-inc/dbos-sdk';
import { describe } from '../../primitives/errors.js';
import { TimeoutError } from '../../primitives/index.js';
import { priorityFromRank, type RunPhase, type RunInfo } from '../types.js';

const STATE_OF: Readonly<Record<string, RunPhase>> = {
  ENQUEUED: 'queued',
  DELAYED: 'queued',
  PENDING: 'running',
  SUCCESS: 'succeeded',
  ERROR: 'failed',
  MAX_RECOVERY_ATTEMPTS_EXCEEDED: 'failed',
  CANCELLED: 'cancelled',
};

/** DBOS statuses that may hold runs in these states, for list filters (a timed-out run is CANCELLED in DBOS). */
export function dbosStatusesFor(states: readonly RunPhase[]): string[] {
  const statuses = Object.entries(STATE_OF).filter(([, s]) => states.includes(s)).map(([d]) => d);
  if (states.includes('failed') && !statuses.includes('CANCELLED')) statuses.push('CANCELLED');
  return statuses;
}

/**
 * DBOS cancels a workflow whose deadline (EnqueueOptions.timeoutMs) passed; firebreak reports that as a
 * failure with a TimeoutError, as the local runner does, and keeps 'cancelled' for explicit cancels.
 */
export function timeoutOf(w: WorkflowStatus): TimeoutError | undefined {
  if (w.status !== 'CANCELLED' || w.deadlineEpochMS === undefined || w.deadlineEpochMS === null) return undefined;
  const endedAt = Number(w.completedAt ?? w.updatedAt ?? 0);
  return endedAt >= Number(w.deadlineEpochMS) ? new TimeoutError(w.workflowName, Number(w.timeoutMS ?? 0)) : undefined;
}

/** A DBOS workflow row as a firebreak RunInfo. */
export function toRunInfo(w: WorkflowStatus): RunInfo {
  const timedOut = timeoutOf(w);
  const state = timedOut ? 'failed' : STATE_OF[w.status] ?? 'running';
  const status: RunInfo = {
    runId: w.workflowID,
    workflow: w.workflowName,
    queue: w.queueName,
    priority: priorityFromRank(w.priority ?? 0),
    state,
    createdAt: Number(w.createdAt),
  };
  if (w.dequeuedAt !== undefined && w.dequeuedAt !== null) status.startedAt = Number(w.dequeuedAt);
  if (w.completedAt !== undefined && w.completedAt !== null) status.completedAt = Number(w.completedAt);
  if (w.executorId) status.executor = w.executorId;
  if (w.recoveryAttempts !== undefined) status.attempts = Number(w.recoveryAttempts);
  if (state === 'succeeded' && w.output !== undefined) status.output = w.output;
  if (timedOut) status.error = describe(timedOut);
  else if (w.status === 'MAX_RECOVERY_ATTEMPTS_EXCEEDED') status.error = 'exceeded the maximum number of recovery attempts';
  else if ((state === 'failed' || state === 'cancelled') && w.error !== undefined && w.error !== null) status.error = describe(w.error);
  return status;
}
