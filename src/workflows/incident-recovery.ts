import type { Logger } from 'pino';
import type { MemoryStore } from '../memory/types.js';
import type { Runner } from '../runners/types.js';
import type { IncidentOwner } from './incident.js';
import { ownerIsDead } from './incident-runner.js';
import type { IncidentStore } from './incident-store.js';

export interface RecoveryDeps {
  memory: MemoryStore;
  store: IncidentStore;
  runner: Runner;
  kind: 'local' | 'dbos';
  self: IncidentOwner;
  resume(id: string): Promise<unknown>;
  logger?: Logger;
}

/** Where recovering processes race for an incident: first adopter of a dead owner wins. */
export function ownershipNamespace(id: string): string {
  return `incident-${id}/owners`;
}

/**
 * Resumes the incidents a dead process left unfinished; returns their ids.
 *
 * - local runner: an incident whose owner ran on this host and whose pid is gone. Several processes starting
 *   at once (two `firebreak serve` on one SQLite file) each append an adoption to the incident's ownership
 *   log; the first adoption of that dead owner wins, so exactly one process resumes it.
 * - dbos runner: DBOS recovers the runs it knows (same executor id at once, others after `deadAfterMs`);
 *   what it cannot know is an incident recorded by a process that died before queueing it. Those are
 *   queued now (enqueueing an existing run id is a no-op, so racing processes are harmless).
 * Gotchas: an owner on another host cannot be checked and is left alone; a pid reused by an unrelated
 * process reads as alive (a restart in a container usually gets the same pid, which counts as dead).
 */
export async function recoverIncidents(deps: RecoveryDeps): Promise<string[]> {
  const recovered: string[] = [];
  for (const summary of await deps.store.list()) {
    if (summary.endedAt) continue;
    try {
      if (await shouldResume(deps, summary.id)) {
        await deps.resume(summary.id);
        recovered.push(summary.id);
      }
    } catch (err) {
      deps.logger?.warn({ err, id: summary.id }, 'could not recover the incident');
    }
  }
  if (recovered.length > 0) deps.logger?.info({ incidents: recovered }, 'resumed incidents left unfinished by a process that died');
  return recovered;
}

async function shouldResume(deps: RecoveryDeps, id: string): Promise<boolean> {
  if (deps.kind === 'dbos') return (await deps.runner.status(id)) === undefined;
  const record = await deps.store.get(id);
  const owner = record?.owner;
  if (!record || record.endedAt || !owner || owner.runner !== 'local' || !ownerIsDead(owner, deps.self)) return false;
  const ns = ownershipNamespace(id);
  await deps.memory.append(ns, { from: owner.instance, by: deps.self.instance, at: new Date().toISOString() });
  const claims = await deps.memory.events(ns, { limit: 10_000 });
  const first = claims.map((c) => c.event as { from?: string; by?: string }).find((c) => c.from === owner.instance);
  return first?.by === deps.self.instance;
}
