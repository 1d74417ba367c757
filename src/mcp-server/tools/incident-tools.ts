import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { alertPayload } from '../alert-input.js';
import { IncidentNotFoundError } from '../errors.js';
import { incidentUri, statusView, summaryView } from '../incident-view.js';
import { errorResult, okResult } from '../results.js';
import { INCIDENT_STATUSES, incidentStatus, incidentSummary, jsonObject, severity } from '../schemas.js';
import type { FirebreakMcpDeps } from '../types.js';

/**
 * incident_respond, incident_status, incident_list: start the incident-response workflow on an alert and
 * follow it. The workflow runs in the server process, not in the tool call: a chat turn must not wait for a
 * deploy to verify, so incident_respond answers with the id at once.
 */

const alertInput = z
  .union([jsonObject(), z.string().min(1).max(200_000)])
  .describe(
    'The alert: an Alertmanager or Grafana webhook, one Prometheus alert ({ labels, annotations, state, activeAt }), ' +
    '{ title, severity, labels, annotations }, that JSON as text, or a one-line description (becomes the title).',
  );

/** Registers the three tools; returns their names. `session.adopt` hands a started incident to the approval elicitor. */
export function registerIncidentTools(server: McpServer, deps: FirebreakMcpDeps, session: { adopt: (id: string) => void; statusEvents: number }): string[] {
  const { incidents } = deps;

  server.registerTool(
    'incident_respond',
    {
      title: 'Respond to an alert',
      description:
        'Start the incident-response workflow on an alert: observability assesses, backend proposes a fix, devops deploys and verifies ' +
        '(by severity: p0/p1 all three, p2 up to a fix PR, p3 a ticket). Returns the incident id at once; follow it with incident_status ' +
        'or the firebreak://incidents/{id} resource. Risky actions (merge, deploy, rollback) wait for approval unless approve is auto.',
      inputSchema: {
        alert: alertInput,
        approve: z.enum(['auto', 'require']).optional().describe('auto: risky actions run without asking; require: each waits for a human. Default: the server configuration (require unless set)'),
      },
      outputSchema: {
        id: z.string(),
        title: z.string(),
        severity,
        status: z.enum(INCIDENT_STATUSES),
        approvalPolicy: z.enum(['auto', 'require', 'deny']),
        uri: z.string(),
        message: z.string(),
      },
      // Starting a response can merge and deploy (policy auto): destructive, and it reaches real systems.
      annotations: { title: 'Respond to an alert', readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true },
    },
    async ({ alert, approve }) => {
      try {
        const started = await incidents.respond(alertPayload(alert), approve ? { approve } : {});
        started.done.catch((err: unknown) => deps.logger?.error({ err, incident: started.id }, 'incident workflow ended with an error'));
        session.adopt(started.id);
        const record = await incidents.get(started.id);
        if (!record) throw new IncidentNotFoundError(started.id);
        const asks = record.approvalPolicy === 'require' ? ' Risky actions will wait for your approval (incident_approve / incident_reject).' : '';
        return okResult({
          id: record.id, title: record.title, ...(record.severity ? { severity: record.severity } : {}), status: record.status,
          approvalPolicy: record.approvalPolicy, uri: incidentUri(record.id),
          message: `Incident ${record.id} started.${asks} Follow it with incident_status.`,
        });
      } catch (err) {
        return errorResult(err);
      }
    },
  );

  server.registerTool(
    'incident_status',
    {
      title: 'Incident status',
      description: 'Where an incident stands: status, stage and persona at work, the latest timeline events, pending approvals, actions taken and the outcome.',
      inputSchema: { id: z.string().min(1).max(200).describe('The incident id from incident_respond or incident_list') },
      outputSchema: incidentStatus.shape,
      annotations: { title: 'Incident status', readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    async ({ id }) => {
      try {
        const record = await incidents.get(id);
        if (!record) throw new IncidentNotFoundError(id);
        return okResult(statusView(record, await incidents.pendingApprovals(id), session.statusEvents));
      } catch (err) {
        return errorResult(err);
      }
    },
  );

  server.registerTool(
    'incident_list',
    {
      title: 'List incidents',
      description: 'The incidents this firebreak knows, newest first, optionally only those with one status (e.g. pending-approval).',
      inputSchema: { status: z.enum(INCIDENT_STATUSES).optional().describe('Only incidents with this status') },
      outputSchema: { incidents: z.array(incidentSummary) },
      annotations: { title: 'List incidents', readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    async ({ status }) => {
      try {
        const all = await incidents.list();
        const chosen = all.filter((s) => status === undefined || s.status === status).sort((a, b) => b.startedAt.localeCompare(a.startedAt));
        return okResult({ incidents: chosen.map(summaryView) });
      } catch (err) {
        return errorResult(err);
      }
    },
  );
  return ['incident_respond', 'incident_status', 'incident_list'];
}
