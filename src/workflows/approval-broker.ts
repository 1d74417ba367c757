import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { abortReason } from '../primitives/abort.js';

/**
 * Approvals for risky actions (merge, deploy, rollback, anything a tool marks destructive). The broker holds
 * what is pending; faces — the CLI prompt, the MCP server's approve tool or an elicitation — decide.
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
}

export interface ApprovalDecision {
  approved: boolean;
  /** Who decided: 'policy:auto', 'policy:deny', 'timeout', or the approver's name. */
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
}

interface Pending {
  request: ApprovalRequest;
  settle: (d: ApprovalDecision) => void;
}

/**
 * Holds pending approval requests until someone approves or rejects them, or they time out.
 * Events: 'requested' (ApprovalRequest), 'decided' (ApprovalRequest, ApprovalDecision).
 */
export class ApprovalBroker extends EventEmitter implements Approver {
  readonly #pending = new Map<string, Pending>();
  readonly #timeoutMs: number;
  readonly #onEscalate: ApprovalBrokerOptions['onEscalate'];

  constructor(opts: ApprovalBrokerOptions = {}) {
    super();
    this.#timeoutMs = opts.timeoutMs ?? 15 * 60_000;
    this.#onEscalate = opts.onEscalate;
  }

  pending(runId?: string): ApprovalRequest[] {
    return [...this.#pending.values()].map((p) => p.request).filter((r) => runId === undefined || r.runId === runId);
  }

  request(req: Omit<ApprovalRequest, 'id' | 'requestedAt'>, signal?: AbortSignal): Promise<ApprovalDecision & { request: ApprovalRequest }> {
    const request: ApprovalRequest = { ...req, id: randomUUID(), requestedAt: new Date().toISOString() };
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    return new Promise((resolve, reject) => {
      const done = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.#pending.delete(request.id);
      };
      const onAbort = (): void => {
        done();
        reject(abortReason(signal!));
      };
      const timer = setTimeout(() => {
        void Promise.resolve(this.#onEscalate?.(request)).catch(() => undefined);
        this.#decide(request.id, { approved: false, by: 'timeout', reason: `no decision within ${this.#timeoutMs} ms; escalated` });
      }, this.#timeoutMs);
      timer.unref?.();
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#pending.set(request.id, {
        request,
        settle: (decision) => {
          done();
          resolve({ ...decision, request });
        },
      });
      this.emit('requested', request);
    });
  }

  /** Approves a pending request; false when no such request is pending. */
  approve(id: string, by: string, reason?: string): boolean {
    return this.#decide(id, { approved: true, by, ...(reason ? { reason } : {}) });
  }

  /** Rejects a pending request; false when no such request is pending. */
  reject(id: string, by: string, reason?: string): boolean {
    return this.#decide(id, { approved: false, by, ...(reason ? { reason } : {}) });
  }

  #decide(id: string, d: Omit<ApprovalDecision, 'at'>): boolean {
    const p = this.#pending.get(id);
    if (!p) return false;
    const decision: ApprovalDecision = { ...d, at: new Date().toISOString() };
    p.settle(decision);
    this.emit('decided', p.request, decision);
    return true;
  }
}
