import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { matchesAction, type ApprovalRequest } from '../../workflows/approval-broker.js';
import type { IncidentService } from '../../workflows/incident.js';
import { approverName } from '../elicit.js';
import { ApprovalNotFoundError, IncidentNotFoundError } from '../errors.js';
import { errorResult, okResult } from '../results.js';
import { decisionResult } from '../schemas.js';
import type { FirebreakMcpDeps } from '../types.js';

/**
 * incident_approve / incident_reject: decide an action an incident waits on. The decision is recorded with
 * the client's name (`mcp:<client>`), never with a name the caller supplies.
 */

const idField = z.string().min(1).max(200).describe('The incident id');
const actionField = z
  .string()
  .min(1)
  .max(200)
  .optional()
  .describe('Which pending approval: its requestId (from incident_status) or its tool name (e.g. github.merge_pull_request). May be omitted when exactly one is pending');

/** The one pending request `action` names (request id or tool name); throws naming the candidates otherwise. */
export async function findPending(incidents: IncidentService, id: string, action: string | undefined): Promise<ApprovalRequest> {
  const pending = await incidents.pendingApprovals(id);
  if (pending.length === 0) {
    if (!(await incidents.get(id))) throw new IncidentNotFoundError(id);
    throw new ApprovalNotFoundError(id, 'nothing is waiting for approval');
  }
  const matches = action === undefined ? pending : pending.filter((r) => matchesAction(r, action));
  const list = pending.map((r) => `${r.id} (${r.action})`).join(', ');
  if (matches.length === 0) throw new ApprovalNotFoundError(id, `no pending approval matches '${action}'; pending: ${list}`);
  if (matches.length > 1) throw new ApprovalNotFoundError(id, `${matches.length} approvals are pending; name one by requestId: ${list}`);
  return matches[0]!;
}

export function registerApprovalTools(server: McpServer, deps: FirebreakMcpDeps): string[] {
  const decide = (approved: boolean) => async ({ id, action, reason }: { id: string; action?: string | undefined; reason?: string | undefined }) => {
    try {
      const req = await findPending(deps.incidents, id, action);
      const by = approverName(server.server);
      const done = approved ? await deps.incidents.approve(id, req.id, by, reason) : await deps.incidents.reject(id, req.id, by, reason);
      if (!done) throw new ApprovalNotFoundError(id, `approval ${req.id} (${req.action}) was decided or timed out meanwhile`);
      deps.logger?.info({ incident: id, request: req.id, action: req.action, approved, by }, 'approval decided over MCP');
      return okResult({ id, requestId: req.id, action: req.action, approved, by, ...(reason ? { reason } : {}) });
    } catch (err) {
      return errorResult(err);
    }
  };

  server.registerTool(
    'incident_approve',
    {
      title: 'Approve a pending action',
      description: 'Approve an action an incident waits on (merge, deploy, rollback...). It runs right after. Check incident_status first: it shows the action and its arguments.',
      inputSchema: { id: idField, action: actionField, reason: z.string().max(500).optional().describe('Why; recorded in the timeline') },
      outputSchema: decisionResult.shape,
      // Approving lets a merge or deploy proceed.
      annotations: { title: 'Approve a pending action', readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true },
    },
    decide(true),
  );

  server.registerTool(
    'incident_reject',
    {
      title: 'Reject a pending action',
      description: 'Reject an action an incident waits on; it is not performed and the workflow continues without it (e.g. rolls back or escalates).',
      inputSchema: { id: idField, action: actionField, reason: z.string().min(1).max(500).describe('Why; recorded in the timeline and shown to the workflow') },
      outputSchema: decisionResult.shape,
      annotations: { title: 'Reject a pending action', readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
    },
    decide(false),
  );
  return ['incident_approve', 'incident_reject'];
}
