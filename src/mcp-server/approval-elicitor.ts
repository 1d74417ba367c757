import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { Logger } from 'pino';
import type { ApprovalRequest } from '../workflows/approval-broker.js';
import type { IncidentService } from '../workflows/incident.js';
import { approverName, canElicit, elicitApproval } from './elicit.js';

interface Asking {
  incident: string;
  controller: AbortController;
}

/**
 * Per session: when an incident this session started waits for approval, and the client supports
 * elicitation, ask the user there. The answer goes to the incident service like incident_approve would.
 *
 * Gotchas: a dismissed or failed question leaves the request pending (incident_approve / incident_reject or
 * the broker's timeout still decide it), and a question is withdrawn (notifications/cancelled) as soon as
 * its request is decided some other way. Only incidents this session started are asked about: another
 * session's user did not ask for them.
 */
export class ApprovalElicitor {
  readonly #adopted = new Set<string>();
  readonly #asking = new Map<string, Asking>();
  /** Requests the user dismissed: not asked again (that would nag on every timeline entry). */
  readonly #dismissed = new Set<string>();
  readonly #checks = new Map<string, { again: boolean }>();
  readonly #off: () => void;
  #closed = false;

  constructor(
    private readonly server: Server,
    private readonly incidents: IncidentService,
    private readonly opts: { timeoutMs: number; logger?: Logger | undefined },
  ) {
    this.#off = incidents.onChange((id) => {
      if (this.#adopted.has(id)) this.#check(id);
    });
  }

  /** Watch an incident this session started. */
  adopt(id: string): void {
    if (this.#closed) return;
    this.#adopted.add(id);
    this.#check(id);
  }

  /** Withdraws every open question; call when the session ends. */
  close(): void {
    this.#closed = true;
    this.#off();
    for (const a of this.#asking.values()) a.controller.abort(new Error('the MCP session ended'));
    this.#asking.clear();
    this.#adopted.clear();
  }

  /**
   * Checks are coalesced per incident: a busy incident changes many times a second, and each check reads the
   * memory store. Two checks at once could also ask the same question twice.
   */
  #check(id: string): void {
    if (this.#closed) return;
    const state = this.#checks.get(id);
    if (state) {
      state.again = true;
      return;
    }
    const running = { again: false };
    this.#checks.set(id, running);
    void (async () => {
      try {
        do {
          running.again = false;
          await this.#checkNow(id);
        } while (running.again && !this.#closed);
      } catch (err) {
        this.opts.logger?.warn({ err, incident: id }, 'could not read pending approvals');
      } finally {
        this.#checks.delete(id);
      }
    })();
  }

  async #checkNow(id: string): Promise<void> {
    const pending = await this.incidents.pendingApprovals(id);
    if (this.#closed) return;
    const open = new Set(pending.map((r) => r.id));
    for (const [requestId, a] of this.#asking) {
      if (a.incident === id && !open.has(requestId)) {
        a.controller.abort(new Error('decided elsewhere'));
        this.#asking.delete(requestId);
      }
    }
    if (pending.length === 0) {
      // An ended incident will not ask again: stop watching it.
      void this.incidents.get(id).then((r) => r?.endedAt && this.#adopted.delete(id), () => undefined);
      return;
    }
    if (!canElicit(this.server)) return;
    for (const req of pending) if (!this.#asking.has(req.id) && !this.#dismissed.has(req.id)) this.#ask(id, req);
  }

  #ask(id: string, req: ApprovalRequest): void {
    const controller = new AbortController();
    this.#asking.set(req.id, { incident: id, controller });
    void (async () => {
      const record = await this.incidents.get(id).catch(() => undefined);
      const context = `Incident ${id}${record ? ` (${record.title})` : ''}`;
      const outcome = await elicitApproval(this.server, req, { context, signal: controller.signal, timeoutMs: this.opts.timeoutMs });
      this.#asking.delete(req.id);
      if (controller.signal.aborted) return;
      if (outcome.kind === 'dismissed') {
        this.#dismissed.add(req.id);
        this.opts.logger?.info({ incident: id, request: req.id, why: outcome.why }, 'approval question not answered; the request stays pending');
        return;
      }
      const by = approverName(this.server);
      const decided = outcome.kind === 'approved'
        ? await this.incidents.approve(id, req.id, by, outcome.reason)
        : await this.incidents.reject(id, req.id, by, outcome.reason);
      if (!decided) this.opts.logger?.info({ incident: id, request: req.id }, 'approval answered after it was decided elsewhere');
    })().catch((err: unknown) => {
      this.#asking.delete(req.id);
      this.opts.logger?.warn({ err, incident: id, request: req.id }, 'could not record the answer to an approval question; the request stays pending');
    });
  }
}
