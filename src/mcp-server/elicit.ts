import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { RequestId } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { redactJson } from '../security/redact.js';
import type { ApprovalRequest } from '../workflows/approval-broker.js';

/**
 * Asking the human in the IDE, through MCP elicitation (`elicitation/create`, form mode): "the devops persona
 * wants to merge PR #12 — approve or reject?". Shared by incident approvals and persona_ask.
 */

export type ElicitOutcome =
  | { kind: 'approved' | 'rejected'; reason?: string }
  /** The user closed the form without choosing, or the client failed: nobody decided. */
  | { kind: 'dismissed'; why: string };

/** True when the connected client declared form elicitation (`elicitation: {}` means form, per the spec). */
export function canElicit(server: Server): boolean {
  const e = server.getClientCapabilities()?.elicitation as Record<string, unknown> | undefined;
  return e !== undefined && (e.form !== undefined || Object.keys(e).length === 0);
}

const answer = z.object({
  decision: z.enum(['approve', 'reject']),
  reason: z.string().max(500).optional(),
});

const requestedSchema = {
  type: 'object' as const,
  properties: {
    decision: { type: 'string' as const, title: 'Decision', description: 'Approve runs the action; reject refuses it.', enum: ['approve', 'reject'] },
    reason: { type: 'string' as const, title: 'Reason', description: 'Recorded in the incident timeline.', maxLength: 500 },
  },
  required: ['decision'],
};

export interface ElicitApprovalOptions {
  /** What is asking, for the message: `Incident inc-...: Checkout 5xx` or `persona_ask (devops)`. */
  context: string;
  /** Aborting withdraws the question (the client gets notifications/cancelled). */
  signal?: AbortSignal;
  timeoutMs: number;
  /** Ties the question to a request in flight, so HTTP sends it on that request's stream. */
  relatedRequestId?: RequestId;
}

/**
 * Asks the client to approve or reject one risky action and maps its answer: accept -> the chosen decision,
 * decline -> rejected, cancel -> dismissed. Never throws: a failed or withdrawn question is `dismissed`
 * (the caller decides whether that means "keep waiting" or "refuse").
 */
export async function elicitApproval(server: Server, req: Pick<ApprovalRequest, 'action' | 'args' | 'persona'>, opts: ElicitApprovalOptions): Promise<ElicitOutcome> {
  const who = req.persona ? `the ${req.persona} persona` : 'the workflow';
  const args = JSON.stringify(redactJson(req.args));
  const message = `${opts.context}: ${who} wants to run ${req.action} with ${args.length > 600 ? `${args.slice(0, 597)}...` : args}. Approve or reject?`;
  try {
    const result = await server.elicitInput(
      { mode: 'form', message, requestedSchema },
      {
        timeout: opts.timeoutMs,
        ...(opts.signal ? { signal: opts.signal } : {}),
        ...(opts.relatedRequestId !== undefined ? { relatedRequestId: opts.relatedRequestId } : {}),
      },
    );
    if (result.action === 'decline') return { kind: 'rejected', reason: 'declined in the client' };
    if (result.action === 'cancel') return { kind: 'dismissed', why: 'the user dismissed the question' };
    const parsed = answer.safeParse(result.content ?? {});
    if (!parsed.success) return { kind: 'dismissed', why: `unusable answer: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}` };
    const reason = parsed.data.reason?.trim();
    return { kind: parsed.data.decision === 'approve' ? 'approved' : 'rejected', ...(reason ? { reason } : {}) };
  } catch (err) {
    return { kind: 'dismissed', why: err instanceof Error ? err.message : String(err) };
  }
}

/** Who decided, as recorded: `mcp:<client name>`. */
export function approverName(server: Server): string {
  return `mcp:${server.getClientVersion()?.name ?? 'client'}`;
}
