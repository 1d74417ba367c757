import type { z } from 'zod';
import { redactJson } from '../security/redact.js';
import type { ApprovalRequest } from '../workflows/approval-broker.js';
import type { IncidentRecord, IncidentSummary } from '../workflows/incident.js';
import type { incidentStatus, incidentSummary, pendingApproval } from './schemas.js';

/** The resource URIs of an incident. Ids are path-safe (`inc-YYYYMMDD-HHMMSS-xxxx`), but encode anyway. */
export const INCIDENT_URI_TEMPLATE = 'firebreak://incidents/{id}';
export const POSTMORTEM_URI_TEMPLATE = 'firebreak://incidents/{id}/postmortem';

export function incidentUri(id: string): string {
  return `firebreak://incidents/${encodeURIComponent(id)}`;
}

export function postmortemUri(id: string): string {
  return `${incidentUri(id)}/postmortem`;
}

export type IncidentSummaryView = z.infer<typeof incidentSummary>;
export type IncidentStatusView = z.infer<typeof incidentStatus>;
export type PendingApprovalView = z.infer<typeof pendingApproval>;

/** An incident in a list: what it is, how bad, where it stands. */
export function summaryView(s: IncidentSummary): IncidentSummaryView {
  return {
    id: s.id,
    title: s.title,
    ...(s.severity ? { severity: s.severity } : {}),
    status: s.status,
    ...(s.stage ? { stage: s.stage } : {}),
    startedAt: s.startedAt,
    ...(s.endedAt ? { endedAt: s.endedAt } : {}),
    uri: incidentUri(s.id),
  };
}

export function pendingView(r: ApprovalRequest): PendingApprovalView {
  return { requestId: r.id, action: r.action, args: redactJson(r.args), ...(r.persona ? { persona: r.persona } : {}), requestedAt: r.requestedAt };
}

/**
 * What incident_status answers: the summary plus who is working, the last `events` timeline entries and
 * what waits for a human. Redacted: records hold tool results, which may hold anything.
 */
export function statusView(record: IncidentRecord, pending: readonly ApprovalRequest[], events: number): IncidentStatusView {
  const view: IncidentStatusView = {
    ...summaryView(record),
    ...(record.persona ? { persona: record.persona } : {}),
    model: record.model,
    approvalPolicy: record.approvalPolicy,
    lastEvents: record.timeline.slice(-Math.max(0, events)).map((e) => ({
      at: e.at, kind: e.kind, summary: e.summary,
      ...(e.stage ? { stage: e.stage } : {}), ...(e.persona ? { persona: e.persona } : {}), ...(e.data ? { data: e.data } : {}),
    })),
    pendingApprovals: pending.map(pendingView),
    actions: record.actions.map((a) => ({ kind: a.kind, ref: a.ref, at: a.at })),
    ...(record.outcome ? { outcome: { resolved: record.outcome.resolved, summary: record.outcome.summary, ...(record.outcome.error ? { error: record.outcome.error } : {}) } } : {}),
    ...(record.endedAt ? { postmortemUri: postmortemUri(record.id) } : {}),
  };
  return redactJson(view);
}
