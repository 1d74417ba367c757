import { createHash } from 'node:crypto';
import type { Json, MemoryStore } from '../memory/types.js';
import type { ApprovalDecision, ApprovalRequest } from './approval-broker.js';

/**
 * Approval requests and decisions in a memory store, so that the process that waits and the process that
 * decides (`firebreak approve`, the MCP server, the HTTP API) can be different ones.
 *
 * Layout: each run's requests live on one append-only timeline, `approvals:<runId>` — a `requested` event,
 * then `decided` events, then `closed`. The store has no compare-and-set, but its timelines hand out seqs
 * strictly in order across processes, so "the first decision on the timeline wins" is atomic: two deciders
 * both append, both read back, and exactly one finds its own event first. The namespace `approvals` indexes
 * the runs with open requests (key: request id) for listings across incidents.
 */

/** The index of open requests: key request id, value { runId }. */
export const APPROVALS_NS = 'approvals';
/** The signal topic a decision is announced on ({ runId, id }): waiters re-read the timeline when it comes. */
export const APPROVAL_TOPIC = 'approvals';
/** How long an index entry outlives its request's deadline: a run resumed later than that asks again. */
const INDEX_GRACE_MS = 30 * 86_400_000;
const PAGE = 1000;

/** One request as the ledger knows it. */
export interface ApprovalState {
  request: ApprovalRequest;
  /** Epoch ms after which an undecided request has timed out. */
  expiresAt: number;
  /** sha256 of action, persona and arguments: how a resumed run finds the request it made before dying. */
  digest: string;
  /** The first decision on the timeline: the one that counts. */
  decision?: ApprovalDecision;
  /** The waiting side took the decision, or the request was withdrawn: nothing waits for it any more. */
  closed: boolean;
}

interface Folded extends ApprovalState {
  decisionSeq?: number;
}

export function timelineOf(runId: string): string {
  return `approvals:${runId}`;
}

/** Storage operations on approval requests; the broker (approval-broker.ts) owns the rules around them. */
export class ApprovalLedger {
  constructor(readonly store: MemoryStore) {}

  /** Records a new request: its timeline event first, so the index never points at a request that is not there. */
  async open(request: ApprovalRequest, expiresAt: number, digest: string): Promise<ApprovalState> {
    await this.store.append(timelineOf(request.runId), { type: 'requested', request, expiresAt, digest } as unknown as Json);
    await this.store.put(APPROVALS_NS, request.id, { runId: request.runId }, { ttlMs: Math.max(1, expiresAt - Date.now()) + INDEX_GRACE_MS });
    return { request, expiresAt, digest, closed: false };
  }

  /** Every request of a run, in the order they were made. */
  async states(runId: string): Promise<ApprovalState[]> {
    return [...(await this.#fold(runId)).values()].map(({ decisionSeq: _seq, ...state }) => state);
  }

  async state(runId: string, id: string): Promise<ApprovalState | undefined> {
    return (await this.states(runId)).find((s) => s.request.id === id);
  }

  /**
   * Appends a decision and reads back which one counts. `won` is true only if this decision is the first on
   * the timeline: a decision already there, or one another process appended a moment earlier, wins instead.
   */
  async decide(runId: string, id: string, decision: ApprovalDecision): Promise<{ won: boolean; state: ApprovalState | undefined }> {
    const { seq } = await this.store.append(timelineOf(runId), { type: 'decided', id, decision } as unknown as Json);
    const folded = (await this.#fold(runId)).get(id);
    if (!folded) return { won: false, state: undefined };
    const { decisionSeq, ...state } = folded;
    return { won: decisionSeq === seq, state };
  }

  /** Marks a request as taken (or withdrawn) and drops it from the index. */
  async close(runId: string, id: string): Promise<void> {
    await this.store.append(timelineOf(runId), { type: 'closed', id });
    await this.store.delete(APPROVALS_NS, id);
  }

  /** Runs with open (unclosed) requests, from the index. */
  async runs(): Promise<string[]> {
    const entries = await this.store.list(APPROVALS_NS, { limit: 10_000 });
    return [...new Set(entries.map((e) => (e.value as { runId?: unknown }).runId).filter((r): r is string => typeof r === 'string'))];
  }

  /** The run a request belongs to, while it is open. */
  async runOf(id: string): Promise<string | undefined> {
    const entry = (await this.store.get(APPROVALS_NS, id)) as { runId?: unknown } | undefined;
    return typeof entry?.runId === 'string' ? entry.runId : undefined;
  }

  async #fold(runId: string): Promise<Map<string, Folded>> {
    const states = new Map<string, Folded>();
    for (let after = 0; ;) {
      const page = await this.store.events(timelineOf(runId), { afterSeq: after, limit: PAGE });
      for (const e of page) {
        after = e.seq;
        apply(states, e.seq, e.event);
      }
      if (page.length < PAGE) return states;
    }
  }
}

/** Folds one timeline event into the states; events of another shape (a newer version's) are skipped. */
function apply(states: Map<string, Folded>, seq: number, event: Json): void {
  if (typeof event !== 'object' || event === null || Array.isArray(event)) return;
  const e = event as Record<string, unknown>;
  if (e.type === 'requested') {
    const request = e.request as ApprovalRequest | undefined;
    if (!request || typeof request.id !== 'string' || states.has(request.id)) return;
    states.set(request.id, { request, expiresAt: Number(e.expiresAt), digest: String(e.digest), closed: false });
    return;
  }
  const state = typeof e.id === 'string' ? states.get(e.id) : undefined;
  if (!state) return;
  if (e.type === 'decided' && state.decision === undefined && typeof e.decision === 'object' && e.decision !== null) {
    state.decision = e.decision as ApprovalDecision;
    state.decisionSeq = seq;
  } else if (e.type === 'closed') {
    state.closed = true;
  }
}

/**
 * What identifies a request across a crash: the same run asking for the same action with the same
 * arguments (as the gate passes them: already redacted) from the same persona. Keys are sorted so that
 * argument order does not matter.
 */
export function requestDigest(req: Pick<ApprovalRequest, 'action' | 'args' | 'persona'>): string {
  return createHash('sha256').update(JSON.stringify([req.action, req.persona ?? null, canonical(req.args)])).digest('hex');
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.keys(value).sort().map((k) => [k, canonical((value as Record<string, unknown>)[k])]));
  }
  return value;
}
