import type { IncomingMessage } from 'node:http';
import type { Logger } from 'pino';
import { z } from 'zod';
import { redactText } from '../security/redact.js';
import { readJson } from '../tools/servers/serve.js';
import { InvalidAlertError } from '../workflows/alert.js';
import { parseAlertBatch, type AlertSourceKind } from '../workflows/alert-batch.js';
import type { AlertIntake } from '../workflows/alert-intake.js';
import type { IncidentRecord, IncidentService, IncidentStatus } from '../workflows/incident.js';
import type { ServeMetrics } from './metrics.js';
import { HttpError } from './http.js';

/** What the routes work with. */
export interface RouteDeps {
  service: IncidentService & { postmortemPath(id: string): string | undefined };
  intake: AlertIntake;
  metrics: ServeMetrics;
  maxBodyBytes: number;
  retryAfterSeconds: number;
  logger?: Logger;
}

export interface Answer {
  status: number;
  body: unknown;
}

async function body(req: IncomingMessage, deps: RouteDeps, source: string): Promise<unknown> {
  const read = await readJson(req, deps.maxBodyBytes);
  if (read.kind === 'too-large') {
    deps.metrics.rejected(source, 'too-large');
    throw new HttpError(413, `request body exceeds ${deps.maxBodyBytes} bytes (serve.maxBodyBytes)`);
  }
  if (read.kind === 'invalid') {
    deps.metrics.rejected(source, 'invalid');
    throw new HttpError(400, `request body is not JSON: ${read.message}`);
  }
  return read.value;
}

/**
 * POST /api/v1/alerts[/alertmanager|/grafana]: parses the notification, deduplicates and opens or attaches
 * (alert-intake.ts). 202 with what happened per incident; 400 naming the bad field; 503 + Retry-After when
 * the incident queue is full — nothing was recorded, the binds were taken back, and the sender's retry
 * (Alertmanager and Grafana retry failed notifications) opens the incident once there is room.
 */
export async function receiveAlerts(req: IncomingMessage, deps: RouteDeps, kind: AlertSourceKind): Promise<Answer> {
  const source = kind === 'any' ? 'api' : kind;
  const payload = await body(req, deps, source);
  let batch;
  try {
    batch = parseAlertBatch(payload, kind);
  } catch (err) {
    if (!(err instanceof InvalidAlertError)) throw err;
    deps.metrics.rejected(source, 'invalid');
    throw new HttpError(400, err.message);
  }
  try {
    const result = await deps.intake.receive(batch);
    deps.metrics.intake(source, batch.alerts, result);
    for (const o of result.opened) deps.metrics.opened(batch.alerts.find((a) => a.fingerprint === o.fingerprints[0])?.severity);
    return { status: 202, body: result };
  } catch (err) {
    if ((err as Error).name !== 'QueueFullError') throw err;
    deps.metrics.rejected(source, 'queue-full');
    deps.logger?.warn({ source, alerts: batch.alerts.map((a) => ({ fingerprint: a.fingerprint, title: redactText(a.title), status: a.status })), problem: (err as Error).message },
      'incident queue full: notification refused with 503; the sender retries it');
    throw new HttpError(503, `${(err as Error).message}; the alert was not recorded: retry after ${deps.retryAfterSeconds} s`, { 'retry-after': String(deps.retryAfterSeconds) });
  }
}

const listQuery = z.strictObject({
  status: z.enum(['queued', 'running', 'pending-approval', 'resolved', 'unresolved', 'failed', 'cancelled']).optional(),
  limit: z.coerce.number().int().positive().max(1000).default(100),
});

/** GET /api/v1/incidents?status=&limit=: summaries, newest first. */
export async function listIncidents(url: URL, deps: RouteDeps): Promise<Answer> {
  const parsed = listQuery.safeParse(Object.fromEntries(url.searchParams));
  if (!parsed.success) throw new HttpError(400, `bad query: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(query)'}: ${i.message}`).join('; ')}`);
  const { status, limit } = parsed.data;
  const all = await deps.service.list();
  return { status: 200, body: { incidents: all.filter((s) => status === undefined || s.status === (status as IncidentStatus)).slice(0, limit) } };
}

/** GET /api/v1/incidents/ID: the whole record (alerts merged), plus pending approvals and the post-mortem path. */
export async function showIncident(id: string, deps: RouteDeps): Promise<Answer> {
  const record = await found(id, deps);
  const path = record.endedAt ? deps.service.postmortemPath(id) : undefined;
  return { status: 200, body: { ...record, pendingApprovals: await deps.service.pendingApprovals(id), ...(path ? { postmortemPath: path } : {}) } };
}

const decisionBody = z.strictObject({
  decision: z.enum(['approve', 'reject']),
  /** The request to decide; optional when exactly one waits. */
  request: z.string().min(1).optional(),
  reason: z.string().max(2000).optional(),
  /** Who decides, for the record; default `http`. */
  by: z.string().min(1).max(200).optional(),
});

/** POST /api/v1/incidents/ID/approve: `{ decision: approve|reject, request?, reason?, by? }`. */
export async function decide(req: IncomingMessage, id: string, deps: RouteDeps): Promise<Answer> {
  const parsed = decisionBody.safeParse(await body(req, deps, 'api'));
  if (!parsed.success) throw new HttpError(400, `bad decision: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ')}`);
  await found(id, deps);
  const d = parsed.data;
  const pending = await deps.service.pendingApprovals(id);
  let requestId = d.request;
  if (requestId === undefined) {
    if (pending.length === 0) throw new HttpError(404, `incident ${id} has no approval waiting`);
    if (pending.length > 1) throw new HttpError(409, `incident ${id} has ${pending.length} approvals waiting; name one in "request": ${pending.map((p) => `${p.id} (${p.action})`).join(', ')}`);
    requestId = pending[0]!.id;
  } else if (!pending.some((p) => p.id === requestId)) {
    throw new HttpError(404, `incident ${id} has no pending approval ${requestId}${pending.length ? `; waiting: ${pending.map((p) => p.id).join(', ')}` : ''}`);
  }
  const by = d.by ?? 'http';
  const ok = d.decision === 'approve'
    ? await deps.service.approve(id, requestId, by, d.reason)
    : await deps.service.reject(id, requestId, by, d.reason);
  if (!ok) throw new HttpError(409, `approval ${requestId} of incident ${id} was decided already`);
  const action = pending.find((p) => p.id === requestId)?.action;
  return { status: 200, body: { id, request: requestId, ...(action ? { action } : {}), approved: d.decision === 'approve', by, ...(d.reason ? { reason: d.reason } : {}) } };
}

async function found(id: string, deps: RouteDeps): Promise<IncidentRecord> {
  const record = await deps.service.get(id);
  if (!record) throw new HttpError(404, `no incident ${id}`);
  return record;
}
