import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import { openInProcessMemory } from '../memory/open.js';
import type { Json, MemoryStore, Unsubscribe } from '../memory/types.js';
import { abortReason } from '../primitives/abort.js';
import { APPROVAL_TOPIC, ApprovalLedger, requestDigest, type ApprovalState } from './approval-ledger.js';

/**
 * Approvals for risky actions (merge, deploy, rollback, anything a tool marks destructive). The broker holds
 * what is pending; faces — the CLI prompt, `firebreak approve`, the MCP server's approve tool, an elicitation,
 * the HTTP API — decide. With a memory store, requests and decisions live in the store, so the face that
 * decides can be another process than the one that waits.
 */

export type ApprovalPolicy = 'auto' | 'require' | 'deny';

export interface ApprovalRequest {
  id: string;
  runId: string;
  /** The qualified tool name, e.g. `github.merge_pull_request`. */
  action: string;
  /** The tool arguments, redacted. */
  args: Record<string, unknown>;
  persona?: string;
  requestedAt: string;
  /** When the request times out (rejected and escalated) if nobody decides it. */
  expiresAt?: string;
}

export interface ApprovalDecision {
  approved: boolean;
  /** Who decided: 'policy:auto', 'policy:deny', 'timeout', 'withdrawn', or the approver (`cli:alice`, `mcp:claude-code`). */
  by: string;
  reason?: string;
  at: string;
}

/** Anything that can decide a request; the broker is the usual one. */
export interface Approver {
  request(req: Omit<ApprovalRequest, 'id' | 'requestedAt'>, signal?: AbortSignal): Promise<ApprovalDecision & { request: ApprovalRequest }>;
}

export interface ApprovalBrokerOptions {
  /** How long a request may wait before it is escalated and rejected (default 15 minutes). */
  timeoutMs?: number;
  /** Called when a request times out: page someone, post to a channel. */
  onEscalate?: (req: ApprovalRequest) => void | Promise<void>;
  /**
   * Where requests and decisions live. Share it (same URL) between the process that waits and the ones that
   * decide. Default: a private in-process store, for tests and single-process library use.
   */
  store?: MemoryStore;
  /** How often a waiting request re-reads the store in case a signal was missed (default 500 ms). */
  pollMs?: number;
  /** For warnings: a store that failed mid-wait, a signal that could not be sent. */
  logger?: Logger;
}

/** What deciding a request came to. `decided` is the only success. */
export type DecideResult =
  | { status: 'decided'; request: ApprovalRequest; decision: ApprovalDecision }
  | { status: 'already-decided'; request: ApprovalRequest; decision: ApprovalDecision }
  | { status: 'timed-out'; request: ApprovalRequest }
  | { status: 'not-found' };

/** setTimeout's ceiling (about 24.8 days); a longer wait is re-armed by the poll. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Holds approval requests until someone approves or rejects them, or they time out.
 * Events, in the process that waits: 'requested' (ApprovalRequest), 'decided' (ApprovalRequest, ApprovalDecision).
 *
 * When to use: one per process, over the memory store every deciding process opens too; `gateTools` asks it.
 * What it does: `request()` records the request and waits for the first decision on it — a signal from the
 * store wakes it at once, a poll every `pollMs` catches a lost signal — or for the timeout, which it records
 * as a rejection by 'timeout' and escalates (only the process whose timeout won escalates). `approve` /
 * `reject` / `decide` may run in any process: the first decision wins, atomically, even when two processes
 * decide at once.
 * Gotchas: with a store, a request outlives its waiter: a process that dies, or a run that is aborted, leaves
 * it pending until it is decided, times out or is withdrawn (`withdraw(runId)`; the incident service does it
 * when an incident ends). A resumed run that asks again for the same action with the same arguments
 * re-attaches to that request — to its decision if one was made meanwhile — instead of asking twice; its
 * deadline is the original one. Without a store a request lives and dies with the waiting call.
 */
export class ApprovalBroker extends EventEmitter implements Approver {
  readonly #timeoutMs: number;
  readonly #pollMs: number;
  readonly #onEscalate: ApprovalBrokerOptions['onEscalate'];
  readonly #logger: Logger | undefined;
  /** Outlives aborted waits (see the class comment); a private store does not. */
  readonly #durable: boolean;
  readonly #ledger: ApprovalLedger;
  /** Wake-ups of the requests this process waits on, by request id. */
  readonly #waiters = new Map<string, Set<() => void>>();

  constructor(opts: ApprovalBrokerOptions = {}) {
    super();
    this.#timeoutMs = opts.timeoutMs ?? 15 * 60_000;
    this.#pollMs = opts.pollMs ?? 500;
    this.#onEscalate = opts.onEscalate;
    this.#logger = opts.logger;
    this.#durable = opts.store !== undefined;
    this.#ledger = new ApprovalLedger(opts.store ?? openInProcessMemory());
  }

  /** Requests nobody has decided yet (that have not timed out), of one run or of all, oldest first. */
  async pending(runId?: string): Promise<ApprovalRequest[]> {
    const ledger = this.#ledger;
    const now = Date.now();
    const out: ApprovalRequest[] = [];
    for (const run of runId !== undefined ? [runId] : await ledger.runs()) {
      for (const s of await ledger.states(run)) if (isOpen(s, now)) out.push(s.request);
    }
    return out.sort((a, b) => a.requestedAt.localeCompare(b.requestedAt) || a.id.localeCompare(b.id));
  }

  /** Every request of a run, decided or not, in the order they were made: for "already decided by ..." answers. */
  async requests(runId: string): Promise<ApprovalState[]> {
    return this.#ledger.states(runId);
  }

  async request(req: Omit<ApprovalRequest, 'id' | 'requestedAt'>, signal?: AbortSignal): Promise<ApprovalDecision & { request: ApprovalRequest }> {
    if (signal?.aborted) throw abortReason(signal);
    const ledger = this.#ledger;
    const digest = requestDigest(req);
    let state = (await ledger.states(req.runId)).find((s) => !s.closed && s.digest === digest);
    if (!state) {
      const now = Date.now();
      const expiresAt = now + this.#timeoutMs;
      const request: ApprovalRequest = { ...req, id: randomUUID(), requestedAt: new Date(now).toISOString(), expiresAt: new Date(expiresAt).toISOString() };
      state = await ledger.open(request, expiresAt, digest);
    }
    this.emit('requested', state.request);
    return this.#wait(ledger, state, signal);
  }

  /** Approves a pending request; false when it is not pending (unknown, decided, timed out). See decide(). */
  async approve(id: string, by: string, reason?: string): Promise<boolean> {
    return (await this.decide(id, { approved: true, by, ...(reason ? { reason } : {}) })).status === 'decided';
  }

  /** Rejects a pending request; false when it is not pending (unknown, decided, timed out). See decide(). */
  async reject(id: string, by: string, reason?: string): Promise<boolean> {
    return (await this.decide(id, { approved: false, by, ...(reason ? { reason } : {}) })).status === 'decided';
  }

  /**
   * Decides a request from any process and says what came of it: `decided`, or why not — `already-decided`
   * (with the decision that counts: another approver's, a timeout), `timed-out`, `not-found`. Pass `runId`
   * (the incident id) when known: without it only open requests are found.
   */
  async decide(id: string, d: { approved: boolean; by: string; reason?: string | undefined }, opts: { runId?: string } = {}): Promise<DecideResult> {
    const ledger = this.#ledger;
    const runId = opts.runId ?? (await ledger.runOf(id));
    const state = runId === undefined ? undefined : await ledger.state(runId, id);
    if (runId === undefined || !state) return { status: 'not-found' };
    if (state.decision) return { status: 'already-decided', request: state.request, decision: state.decision };
    if (Date.now() >= state.expiresAt) return { status: 'timed-out', request: state.request };
    const decision: ApprovalDecision = { approved: d.approved, by: d.by, ...(d.reason ? { reason: d.reason } : {}), at: new Date().toISOString() };
    const { won, state: after } = await ledger.decide(runId, id, decision);
    if (!won) return { status: 'already-decided', request: state.request, decision: after?.decision ?? decision };
    await this.#announce(ledger, runId, id);
    // As stored: redacted like everything in memory (a reason may quote a secret).
    return { status: 'decided', request: state.request, decision: after?.decision ?? decision };
  }

  /**
   * Rejects (by 'withdrawn') and closes every open request of a run: for a run that ended, whose requests
   * nobody should decide any more. Returns how many were still undecided.
   */
  async withdraw(runId: string, reason = 'the run ended'): Promise<number> {
    const ledger = this.#ledger;
    let withdrawn = 0;
    for (const s of await ledger.states(runId)) {
      if (s.closed) continue;
      if (!s.decision) {
        const { won } = await ledger.decide(runId, s.request.id, { approved: false, by: 'withdrawn', reason, at: new Date().toISOString() });
        if (won) withdrawn++;
      }
      await ledger.close(runId, s.request.id);
      await this.#announce(ledger, runId, s.request.id);
    }
    return withdrawn;
  }

  /** Wakes this process's waiters at once, and the other processes' through the store's signal. */
  async #announce(ledger: ApprovalLedger, runId: string, id: string): Promise<void> {
    for (const wake of this.#waiters.get(id) ?? []) wake();
    await ledger.store.publish(APPROVAL_TOPIC, { runId, id }).catch((err: unknown) => {
      this.#logger?.warn({ err, runId, id }, 'could not signal an approval decision; waiters will see it when they poll');
    });
  }

  #wait(ledger: ApprovalLedger, state: ApprovalState, signal: AbortSignal | undefined): Promise<ApprovalDecision & { request: ApprovalRequest }> {
    const { request, expiresAt } = state;
    const { id, runId } = request;
    return new Promise((resolve, reject) => {
      let done = false;
      let checking = false;
      let again = false;
      let unsubscribe: Unsubscribe | undefined;
      const wake = (): void => void check();
      const waiters = this.#waiters.get(id) ?? new Set();
      this.#waiters.set(id, waiters.add(wake));
      // Neither timer keeps a process alive: a library user's script may end while a request waits.
      const poll = setInterval(wake, this.#pollMs);
      poll.unref?.();
      const deadline = setTimeout(wake, Math.min(Math.max(0, expiresAt - Date.now()), MAX_TIMER_MS));
      deadline.unref?.();

      const stop = (): void => {
        done = true;
        clearInterval(poll);
        clearTimeout(deadline);
        signal?.removeEventListener('abort', onAbort);
        waiters.delete(wake);
        if (waiters.size === 0 && this.#waiters.get(id) === waiters) this.#waiters.delete(id);
        void unsubscribe?.().catch(() => undefined);
      };
      const onAbort = (): void => {
        if (done) return;
        stop();
        // A private store's request has nobody left to decide it: withdraw it, as the waiter goes.
        const withdrawn = this.#durable
          ? Promise.resolve()
          : ledger.decide(runId, id, { approved: false, by: 'withdrawn', reason: 'the waiting run was aborted', at: new Date().toISOString() })
            .then(() => ledger.close(runId, id));
        void withdrawn.catch(() => undefined).finally(() => reject(abortReason(signal!)));
      };
      const finish = async (decision: ApprovalDecision): Promise<void> => {
        stop();
        await ledger.close(runId, id).catch((err: unknown) => this.#logger?.warn({ err, id }, 'could not close a decided approval request'));
        this.emit('decided', request, decision);
        resolve({ ...decision, request });
      };
      const check = async (): Promise<void> => {
        if (done) return;
        if (checking) {
          again = true;
          return;
        }
        checking = true;
        try {
          do {
            again = false;
            const now = await ledger.state(runId, id);
            if (done) return;
            let decision = now?.decision;
            if (!decision && Date.now() >= expiresAt) {
              // The request's own deadline: a re-attached request keeps the one it was made with.
              const waited = expiresAt - Date.parse(request.requestedAt);
              const timeout: ApprovalDecision = { approved: false, by: 'timeout', reason: `no decision within ${Number.isFinite(waited) ? waited : this.#timeoutMs} ms; escalated`, at: new Date().toISOString() };
              const { won, state: after } = await ledger.decide(runId, id, timeout);
              // Only the process whose timeout counted escalates: a human's decision a moment earlier wins.
              if (won) void Promise.resolve().then(() => this.#onEscalate?.(request)).catch(() => undefined);
              decision = after?.decision ?? timeout;
            }
            if (decision && !done) {
              await finish(decision);
              return;
            }
          } while (again && !done);
        } catch (err) {
          this.#logger?.warn({ err, id }, 'could not read an approval request; retrying at the next poll');
        } finally {
          checking = false;
        }
      };

      signal?.addEventListener('abort', onAbort, { once: true });
      // Subscribe before the first read: a decision made in between is then either read or signalled.
      ledger.store.subscribe(APPROVAL_TOPIC, (payload: Json) => {
        if ((payload as { id?: unknown } | null)?.id === id) wake();
      }).then((u) => {
        if (done) void u().catch(() => undefined);
        else unsubscribe = u;
        wake();
      }, (err: unknown) => {
        this.#logger?.warn({ err, id }, 'cannot listen for approval signals; polling instead');
        wake();
      });
    });
  }
}

/** Still waiting for a decision: undecided, not withdrawn, not timed out. */
export function isOpen(s: ApprovalState, now = Date.now()): boolean {
  return !s.decision && !s.closed && s.expiresAt > now;
}

/** Whether `action` names this request: its id, or the action it asks for (e.g. github.merge_pull_request). */
export function matchesAction(r: ApprovalRequest, action: string): boolean {
  return r.id === action || r.action === action;
}
