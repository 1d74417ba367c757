import type { Json, MemoryStore } from '../memory/types.js';
import type { IncidentAlertState, IncidentRecord, TimelineEntry } from './incident.js';

/**
 * The alert notifications of an incident: the one that opened it, repeats and other alerts deduplicated into
 * it, and resolutions. Any process may append (the `firebreak serve` that received the notification), while
 * the record belongs to the process that runs the incident — so notifications live in their own timeline
 * (`incident-<id>/alerts`) and are merged into the record when it is read (`withAlertLog`).
 */

export interface AlertNotification {
  fingerprint: string;
  status: 'firing' | 'resolved';
  title: string;
  /** alertmanager, grafana, prometheus, minimal. */
  source: string;
  /** ISO time the notification was received. */
  at: string;
  /** True when this notification opened the incident. */
  opened?: boolean;
}

const PAGE = 1000;

export function alertLogNamespace(incidentId: string): string {
  return `incident-${incidentId}/alerts`;
}

/** Appends notifications to an incident's alert log, atomically. */
export async function appendAlertLog(memory: MemoryStore, incidentId: string, notifications: readonly AlertNotification[]): Promise<void> {
  if (notifications.length === 0) return;
  await memory.appendMany(alertLogNamespace(incidentId), notifications.map((n) => ({ ...n }) as unknown as Json));
}

/** Every notification of an incident, oldest first. */
export async function readAlertLog(memory: MemoryStore, incidentId: string): Promise<AlertNotification[]> {
  const out: AlertNotification[] = [];
  for (let after = 0; ;) {
    const page = await memory.events(alertLogNamespace(incidentId), { afterSeq: after, limit: PAGE });
    for (const e of page) out.push(e.event as unknown as AlertNotification);
    if (page.length < PAGE) return out;
    after = page.at(-1)!.seq;
  }
}

/**
 * The record as a reader should see it: its timeline merged (by time) with one entry per change of an alert's
 * status — repeats of a still-firing alert only count, they would drown the timeline — plus `alerts` (each
 * fingerprint's state) and `sourceResolvedAt` once the source reported all of them resolved.
 * Returns a copy; the stored record is not changed.
 */
export function withAlertLog(record: IncidentRecord, log: readonly AlertNotification[]): IncidentRecord {
  if (log.length === 0) return record;
  const states = new Map<string, IncidentAlertState>();
  const entries: TimelineEntry[] = [];
  for (const n of log) {
    const s = states.get(n.fingerprint);
    if (!s) {
      states.set(n.fingerprint, {
        fingerprint: n.fingerprint, title: n.title, status: n.status, opened: n.opened === true,
        firstSeenAt: n.at, lastSeenAt: n.at, notifications: 1, ...(n.status === 'resolved' ? { resolvedAt: n.at } : {}),
      });
      entries.push(entry(n, n.opened ? 'opened the incident' : n.status === 'firing' ? 'deduplicated into this incident' : 'the alert source saw it recover'));
      continue;
    }
    s.notifications++;
    s.lastSeenAt = n.at;
    if (n.opened) s.opened = true;
    if (n.status === s.status) continue;
    s.status = n.status;
    if (n.status === 'resolved') s.resolvedAt = n.at;
    else delete s.resolvedAt;
    entries.push(entry(n, n.status === 'resolved' ? 'the alert source saw it recover' : 'firing again'));
  }
  const alerts = [...states.values()];
  const allResolved = alerts.every((a) => a.status === 'resolved');
  const timeline = [...record.timeline, ...entries].map((e, i) => ({ e, i }))
    .sort((a, b) => a.e.at.localeCompare(b.e.at) || a.i - b.i)
    .map(({ e }) => e);
  return {
    ...record,
    timeline,
    alerts,
    ...(allResolved ? { sourceResolvedAt: alerts.map((a) => a.resolvedAt ?? a.lastSeenAt).sort().at(-1)! } : {}),
  };
}

function entry(n: AlertNotification, what: string): TimelineEntry {
  return {
    at: n.at, kind: 'alert',
    summary: `alert ${n.title} (${n.fingerprint}) ${n.status}: ${what}`,
    data: { fingerprint: n.fingerprint, status: n.status, source: n.source, ...(n.opened ? { opened: true } : {}) },
  };
}
