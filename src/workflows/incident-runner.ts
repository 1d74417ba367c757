import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { DurableJournal } from '../memory/types.js';
import type { ContextMemory, EventSink, Step } from '../primitives/index.js';
import { createRunner } from '../runners/create-runner.js';
import type { DbosRunnerConfigInput, QueueConfig } from '../runners/config.js';
import { WorkflowRegistry } from '../runners/registry.js';
import type { Priority, Runner } from '../runners/types.js';
import type { IncidentOwner } from './incident.js';
import type { IncidentInput } from './incident-response.js';

/** The registered name of the incident workflow (a DBOS workflow of this name runs on every worker). */
export const INCIDENT_WORKFLOW = 'incident-response';
/** The queue incidents wait in: strict priority p0 > p1 > p2 > p3, FIFO within one. */
export const INCIDENT_QUEUE = 'incidents';

/**
 * Where an incident service runs its incidents.
 * - `local` (default): in this process, at most `concurrency` at once, at most `maxQueued` waiting; with a
 *   durable memory store the run journal makes a restarted process resume them (`service.recover()`).
 * - `dbos`: on DBOS queues in PostgreSQL; every process with the same config (`firebreak serve`,
 *   `firebreak worker --config`) shares the work and DBOS recovers the runs of a process that died.
 */
export type IncidentRunnerOptions =
  | { kind: 'local'; concurrency?: number; maxQueued?: number }
  | {
    kind: 'dbos';
    /** The DBOS runner config (database, executorId, heartbeat…); `worker: false` only submits. */
    dbos: DbosRunnerConfigInput;
    /** Incidents running at once in each worker. */
    concurrency?: number;
    maxQueued?: number;
    /** On close, how long running incidents may take to finish before they are left for a restart (default 1 s). */
    drainMs?: number;
  };

/** What the library runs when nobody says: generous, so scripts and drills behave as before runners existed. */
export const DEFAULT_LOCAL_CONCURRENCY = 16;

/** The validated input of the incident workflow: what a queued run carries (and DBOS stores). */
export function validateIncidentInput(value: unknown): IncidentInput {
  const incident = (value as { incident?: { id?: unknown } } | null)?.incident;
  if (typeof incident !== 'object' || incident === null || typeof incident.id !== 'string' || incident.id === '') {
    throw new TypeError('incident-response input: expected { incident: { id, ... } }');
  }
  return value as IncidentInput;
}

export interface OpenedIncidentRunner {
  readonly runner: Runner;
  readonly kind: 'local' | 'dbos';
  /** The DBOS executor id of this process's worker, if it runs one. */
  readonly executor?: string;
  readonly drainMs: number;
}

/**
 * Registers `step` as the incident workflow and opens the runner `options` ask for.
 * Gotchas: a DBOS worker is a per-process singleton (one incident service with a DBOS worker per process);
 * every process sharing a DBOS database must register the same workflow structure (same config), or its
 * runs go to the workers of the newest version (DBOS's rule).
 */
export async function openIncidentRunner(
  step: Step<IncidentInput, unknown>,
  options: IncidentRunnerOptions,
  env: { memory: (runId: string) => ContextMemory | undefined; journal: DurableJournal | undefined; sinks: readonly EventSink[]; logger?: Logger },
): Promise<OpenedIncidentRunner> {
  const registry = new WorkflowRegistry();
  registry.define(INCIDENT_WORKFLOW, step, { queue: INCIDENT_QUEUE, priority: 'p2', validate: validateIncidentInput, description: 'the incident-response workflow' });
  const queue: QueueConfig = {
    workerConcurrency: options.concurrency ?? (options.kind === 'local' ? DEFAULT_LOCAL_CONCURRENCY : 4),
    maxQueued: options.maxQueued ?? 1000,
  };
  const shared = { memory: (runId: string) => env.memory(runId), sinks: env.sinks, ...(env.logger ? { logger: env.logger } : {}) };
  if (options.kind === 'local') {
    const runner = await createRunner({ kind: 'local', queues: { [INCIDENT_QUEUE]: queue } }, registry, { ...shared, ...(env.journal ? { journal: env.journal } : {}) });
    return { runner, kind: 'local', drainMs: 0 };
  }
  const queues = { ...(options.dbos.queues ?? {}), [INCIDENT_QUEUE]: { ...options.dbos.queues?.[INCIDENT_QUEUE], ...queue } };
  const runner = await createRunner({ ...options.dbos, queues }, registry, shared);
  const executor = (runner as Runner & { worker?: { executorId?: string } }).worker?.executorId;
  return { runner, kind: 'dbos', ...(executor ? { executor } : {}), drainMs: options.drainMs ?? 1_000 };
}

/** The queue priority of an incident: its severity; unknown severity runs as p1 (triage may find a p0). */
export function incidentPriority(severity: Priority | undefined): Priority {
  return severity ?? 'p1';
}

/** This process as an incident owner. */
export function currentOwner(runner: 'local' | 'dbos', executor?: string): IncidentOwner {
  return { instance: randomUUID(), host: hostname(), pid: process.pid, runner, ...(executor ? { executor } : {}) };
}

/**
 * True when `owner`'s process is certainly gone: it ran on this host and its pid no longer exists. An owner
 * on another host cannot be checked from here and counts as alive (with the local runner, a store shared
 * across hosts needs the dbos runner to recover runs).
 */
export function ownerIsDead(owner: IncidentOwner, self: IncidentOwner): boolean {
  if (owner.instance === self.instance || owner.host !== self.host) return false;
  if (owner.pid === self.pid) return true; // our pid, another instance: the old process with this pid is gone
  try {
    process.kill(owner.pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
