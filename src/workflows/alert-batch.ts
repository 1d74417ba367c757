import { createHash } from 'node:crypto';
import { InvalidAlertError, parseAlert, parseWebhook, webhookAlert, type Alert } from './alert.js';

/**
 * One notification from an alert source, split into its alerts — what `firebreak serve` deduplicates. An
 * Alertmanager or Grafana webhook carries a whole group (several alerts, firing and resolved); the other
 * accepted shapes carry one alert.
 */

/** Which endpoint received the body: each accepts only its own shape, so a misrouted sender gets a clear 400. */
export type AlertSourceKind = 'alertmanager' | 'grafana' | 'any';

/** An alert of a batch: its identity, status, and where it sits in the webhook's `alerts` (webhooks only). */
export type BatchAlert = Alert & { fingerprint: string; status: 'firing' | 'resolved'; index?: number };

export interface AlertBatch {
  /** The group's identity (Alertmanager/Grafana `groupKey`), when the source gave one. */
  groupKey?: string;
  /** Every alert of the notification, each with its fingerprint; firing and resolved alike. */
  alerts: BatchAlert[];
  /** The body as received, for the incident the batch may open (its first firing alert is the incident's). */
  payload: unknown;
}

/**
 * An alert's identity when the source sends no fingerprint: sha256 over its sorted labels (plus its title
 * when there is no `alertname` label, so two label-less alerts with different titles stay apart), 16 hex
 * characters like Alertmanager's own.
 */
export function labelFingerprint(alert: Pick<Alert, 'labels' | 'title'>): string {
  const labels: Record<string, string> = { ...alert.labels };
  if (labels.alertname === undefined) labels['__title__'] = alert.title;
  const canonical = Object.keys(labels).sort().map((k) => `${k}\u0000${labels[k]}`).join('\u0001');
  return createHash('sha256').update(canonical).digest('hex').slice(0, 16);
}

/**
 * Parses a notification body. `alertmanager` accepts only Alertmanager's webhook (version 4), `grafana`
 * only a webhook body, `any` every shape `firebreak respond --alert` accepts. Prometheus' `pending` state is
 * not an alert yet and is refused. Throws InvalidAlertError naming the field.
 */
export function parseAlertBatch(payload: unknown, kind: AlertSourceKind = 'any'): AlertBatch {
  const isWebhook = typeof payload === 'object' && payload !== null && !Array.isArray(payload) && Array.isArray((payload as { alerts?: unknown }).alerts);
  if (kind !== 'any' && !isWebhook) {
    throw new InvalidAlertError([`${kind} webhook: expected a JSON object with an "alerts" array (the ${kind === 'grafana' ? 'Grafana webhook contact point' : 'Alertmanager webhook_configs'} body)`]);
  }
  if (isWebhook) {
    const w = parseWebhook(payload);
    if (kind === 'alertmanager' && w.version !== undefined && w.version !== '4') {
      throw new InvalidAlertError([`alertmanager webhook.version: expected "4", got "${w.version}"`]);
    }
    const alerts = w.alerts.map((a, index) => ({ ...withIdentity(webhookAlert(w, a)), index }));
    return { ...(w.groupKey ? { groupKey: w.groupKey } : {}), alerts, payload };
  }
  const alert = parseAlert(payload);
  if (alert.status === 'pending') throw new InvalidAlertError(['prometheus alert.state: "pending" is not firing yet; send it once it fires']);
  return { alerts: [withIdentity(alert)], payload };
}

/**
 * The body to open an incident with, holding only `alerts` (webhooks: those alerts of the group, so the
 * incident's alert is one of them; other shapes carry one alert and are returned as they are).
 */
export function payloadOf(batch: AlertBatch, alerts: readonly BatchAlert[]): unknown {
  const body = batch.payload as { alerts?: unknown[] };
  if (!Array.isArray(body.alerts)) return batch.payload;
  const keep = new Map(alerts.map((a) => [a.index, a.fingerprint]));
  // The fingerprint travels with each alert, so the incident's alert carries the identity it was deduplicated by.
  return { ...body, alerts: body.alerts.flatMap((raw, i) => (keep.has(i) ? [{ ...(raw as object), fingerprint: keep.get(i) }] : [])) };
}

function withIdentity(alert: Alert): BatchAlert {
  return { ...alert, fingerprint: alert.fingerprint ?? labelFingerprint(alert), status: alert.status === 'resolved' ? 'resolved' : 'firing' };
}
