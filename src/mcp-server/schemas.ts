import { z } from 'zod';
import { SEVERITIES } from '../workflows/alert.js';

/**
 * Output shapes of the server's tools (their `outputSchema`, and what `structuredContent` holds). Kept in
 * one place so the incident tools, the approval tools and the resources describe an incident the same way.
 */

/**
 * A free-form JSON object. Spelled `additionalProperties: true` in JSON Schema (zod alone would emit `{}`, which
 * strict schema checkers such as the MCP Inspector flag as a constraint that constrains nothing).
 */
export const jsonObject = (): z.ZodRecord<z.ZodString, z.ZodUnknown> => z.record(z.string(), z.unknown()).meta({ additionalProperties: true });

export const INCIDENT_STATUSES = ['queued', 'running', 'pending-approval', 'resolved', 'unresolved', 'failed', 'cancelled'] as const;

export const severity = z.enum(SEVERITIES).optional().describe('p0 outage .. p3 minor; absent until assessed');

export const timelineEntry = z.object({
  at: z.string().describe('ISO timestamp'),
  kind: z.string().describe('stage, persona.turn, tool.call, approval, finding, outcome, ...'),
  stage: z.string().optional(),
  persona: z.string().optional(),
  summary: z.string(),
  data: jsonObject().optional(),
});

export const pendingApproval = z.object({
  requestId: z.string().describe('pass as `action` to incident_approve / incident_reject'),
  action: z.string().describe('the tool that waits, e.g. github.merge_pull_request'),
  args: jsonObject().describe('its arguments, redacted'),
  persona: z.string().optional(),
  requestedAt: z.string(),
});

export const incidentSummary = z.object({
  id: z.string(),
  title: z.string(),
  severity,
  status: z.enum(INCIDENT_STATUSES),
  stage: z.string().optional(),
  startedAt: z.string(),
  endedAt: z.string().optional(),
  uri: z.string().describe('firebreak://incidents/{id}: the full record'),
});

export const incidentStatus = incidentSummary.extend({
  persona: z.string().optional().describe('the persona working now, or the last one'),
  model: z.string(),
  approvalPolicy: z.enum(['auto', 'require', 'deny']),
  lastEvents: z.array(timelineEntry).describe('the most recent timeline entries, oldest first'),
  pendingApprovals: z.array(pendingApproval),
  actions: z.array(z.object({ kind: z.string(), ref: z.string(), at: z.string() })).describe('pull requests, deploys, rollbacks, tickets'),
  outcome: z.object({ resolved: z.boolean(), summary: z.string(), error: z.string().optional() }).optional(),
  postmortemUri: z.string().optional().describe('set once the incident has ended'),
});

export const decisionResult = z.object({
  id: z.string(),
  requestId: z.string(),
  action: z.string(),
  approved: z.boolean(),
  by: z.string(),
  reason: z.string().optional(),
});

export const drillScore = z.object({
  detected: z.boolean(),
  localized: z.boolean().optional().describe('the first-named component is the expected one; absent when not applicable (the scenario expects no action)'),
  rootCause: z.boolean().optional().describe('absent when not applicable (the scenario expects no action)'),
  mitigated: z.boolean(),
  withinLimits: z.boolean(),
  harm: z.array(z.string()).describe('what the response made worse, one "harm: ..." line each; any harm fails the drill'),
  // Optional rather than nullable: a single-`type` schema is the portable spelling; absent = it did not happen.
  ttdMs: z.number().optional().describe('time to detect, from injection; absent when the alert never fired'),
  ttmMs: z.number().optional().describe('time to mitigate, from injection; absent when the service did not recover'),
  toolCalls: z.number(),
  reasons: z.array(z.string()),
});
