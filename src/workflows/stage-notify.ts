import { isAbortError } from '../primitives/errors.js';
import type { Context, Step } from '../primitives/types.js';
import { resultText, type ToolSet } from '../tools/types.js';
import { RepositoryUnknownError } from './errors.js';
import type { Notification, Notifier } from './notifier.js';
import { stage } from './stage.js';
import type { IncidentState, NotificationRecord } from './state.js';

/**
 * Escalation (p0: tell the channel and page the on-call before the personas start) and the p3 ticket.
 * Notifications never fail the incident: a failed page is recorded and the response goes on.
 */

/** Sends `n` to each configured target; returns what happened per target. Emits 'notification' events. */
export async function sendNotifications(
  notifier: Notifier | undefined,
  targets: readonly ('channel' | 'page')[],
  n: Notification,
  tools: ToolSet,
  ctx: Context,
): Promise<NotificationRecord[]> {
  const records: NotificationRecord[] = [];
  await Promise.all(targets.map(async (target) => {
    const t = notifier?.[target];
    if (!t) {
      records.push({ target, ok: false, via: 'none', detail: `no ${target} notifier is configured` });
      ctx.emit('notification', { target, ok: false, via: 'none', reason: n.reason, detail: `no ${target} notifier configured` });
      return;
    }
    try {
      const r = await t.send(n, { tools, ctx, signal: ctx.signal });
      records.push({ target, ...r });
      ctx.emit('notification', { target, ok: r.ok, via: r.via, reason: n.reason, detail: r.detail });
    } catch (err) {
      if (ctx.signal.aborted || isAbortError(err)) throw err;
      records.push({ target, ok: false, via: t.via, detail: String(err) });
      ctx.emit('notification', { target, ok: false, via: t.via, reason: n.reason, detail: String(err) });
    }
  }));
  return records;
}

/** p0: notify the incident channel and page the on-call, then let the personas work. */
export function escalateStage(notifier: Notifier | undefined, tools: ToolSet): Step<IncidentState, IncidentState> {
  return stage('escalate', 'escalation', async (state, ctx) => {
    const i = state.incident;
    const n: Notification = {
      incidentId: i.id,
      title: i.title,
      severity: state.severity ?? 'p0',
      reason: 'p0-escalation',
      text: `P0 incident ${i.id}: ${i.title}${i.service ? ` on ${i.service}` : ''} (since ${i.startsAt}${i.value ? `, value ${i.value}` : ''}). `
        + 'firebreak is investigating (observability -> backend -> devops); a human incident commander is needed.',
    };
    const notifications = await sendNotifications(notifier, ['channel', 'page'], n, tools, ctx);
    return { ...state, notifications: [...(state.notifications ?? []), ...notifications] };
  });
}

export interface TicketOptions {
  /** The issue tool (github/github-mcp-server's issue_write); default `github.issue_write`. */
  tool?: string;
  labels?: string[];
}

/** p3: files a ticket in the service's repository with the alert (and the assessment, when triage ran one). */
export function ticketStage(tools: ToolSet, opts: TicketOptions = {}): Step<IncidentState, IncidentState> {
  const tool = opts.tool ?? 'github.issue_write';
  return stage('ticket', 'ticket', async (state, ctx) => {
    const repo = state.incident.repository;
    if (!repo) throw new RepositoryUnknownError('ticket stage');
    const args = {
      method: 'create',
      owner: repo.owner,
      repo: repo.repo,
      title: `[${(state.severity ?? 'p3').toUpperCase()}] ${state.incident.title}`,
      body: ticketBody(state),
      ...(opts.labels ? { labels: opts.labels } : { labels: ['incident', state.severity ?? 'p3'] }),
    };
    const result = await tools.call(tool, args, { ctx, signal: ctx.signal, idempotencyKey: ctx.idempotencyKey });
    if (result.isError) throw new Error(`${tool} failed: ${resultText(result).slice(0, 300)}`);
    const data = (result.structuredContent ?? JSON.parse(resultText(result))) as { number?: number; html_url?: string };
    const ticket = { number: Number(data.number ?? 0), url: String(data.html_url ?? '') };
    return { ...state, ticket };
  });
}

function ticketBody(state: IncidentState): string {
  const i = state.incident;
  const lines = [
    `Incident **${i.id}**: ${i.title}`,
    '',
    `- Alert: \`${i.alertname}\` (${i.source}, ${i.status}) since ${i.startsAt}${i.value ? `, value ${i.value}` : ''}`,
    ...(i.service ? [`- Service: ${i.service}`] : []),
    `- Severity: ${state.severity ?? 'p3'} (${state.severitySource ?? 'alert'})`,
    ...Object.entries(i.annotations).map(([k, v]) => `- ${k}: ${v}`),
  ];
  if (i.evidence) lines.push('', '## Assessment', '', i.evidence);
  lines.push('', '_Filed by firebreak: low severity, queued for the backlog instead of an automated fix._');
  return lines.join('\n');
}
