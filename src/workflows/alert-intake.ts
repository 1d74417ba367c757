import type { Logger } from 'pino';
import type { MemoryStore } from '../memory/types.js';
import { payloadOf, type AlertBatch, type BatchAlert } from './alert-batch.js';
import { AlertBindings } from './alert-bindings.js';
import { appendAlertLog, type AlertNotification } from './alert-log.js';
import type { IncidentService } from './incident.js';
import { newIncidentId } from './records.js';

/** What one notification did, per incident. */
export interface IntakeResult {
  /** Incidents this notification opened, with the fingerprints that opened them (one per notification at most). */
  opened: { id: string; fingerprints: string[] }[];
  /** Firing alerts attached to the incident their fingerprint is bound to (repeats, or new alerts of a group). */
  deduplicated: { id: string; fingerprints: string[] }[];
  /** Resolutions recorded on their incidents. */
  resolved: { id: string; fingerprints: string[] }[];
  /** Resolutions of fingerprints bound to no incident: nothing to record. */
  ignored: string[];
}

export interface AlertIntakeOptions {
  /** Opens incidents (`respond(payload, { id })`). */
  service: Pick<IncidentService, 'respond'>;
  /** The store the bindings and alert logs live in: the service's, shared by every process. */
  memory: MemoryStore;
  logger?: Logger;
}

/**
 * Alerts in: deduplicates the alerts of a notification against the incidents already open for them, opens at
 * most one incident per notification, and records every alert on its incident's alert log.
 *
 * When to use: `firebreak serve`, for each webhook body (parsed with `parseAlertBatch`).
 * What it does, per notification:
 * - each `resolved` alert ends its fingerprint's binding and is recorded on the incident it was bound to
 *   (the incident shows the source saw recovery); it never opens an incident;
 * - the `firing` alerts, in fingerprint order, are bound to the incident one of them is bound to already,
 *   else to one new incident — so the alerts of one Alertmanager group open ONE incident — and each bind is
 *   atomic across processes (alert-bindings.ts): concurrent deliveries of one alert open one incident;
 * - when the notification bound a new incident, it is opened with those alerts (the first firing one is the
 *   incident's alert). If opening fails (a full queue), the binds are taken back and the error is thrown,
 *   so the sender's retry can open it later.
 * Gotchas: a fingerprint stays bound until the source says `resolved`, also after its incident ended: a
 * repeat of a still-firing alert never opens a second incident.
 */
export class AlertIntake {
  readonly bindings: AlertBindings;

  constructor(private readonly opts: AlertIntakeOptions) {
    this.bindings = new AlertBindings(opts.memory);
  }

  async receive(batch: AlertBatch): Promise<IntakeResult> {
    const at = new Date().toISOString();
    const result: IntakeResult = { opened: [], deduplicated: [], resolved: [], ignored: [] };
    const logs = new Map<string, AlertNotification[]>();
    const note = (id: string, a: BatchAlert, opened = false): void => {
      const list = logs.get(id) ?? [];
      list.push({ fingerprint: a.fingerprint, status: a.status, title: a.title, source: a.source, at, ...(opened ? { opened } : {}) });
      logs.set(id, list);
    };

    for (const a of unique(batch.alerts.filter((x) => x.status === 'resolved'))) {
      const id = await this.bindings.resolve(a.fingerprint);
      if (id === undefined) result.ignored.push(a.fingerprint);
      else {
        add(result.resolved, id, a.fingerprint);
        note(id, a);
      }
    }

    const firing = unique(batch.alerts.filter((x) => x.status === 'firing')).sort((x, y) => x.fingerprint.localeCompare(y.fingerprint));
    if (firing.length > 0) {
      let existing: string | undefined;
      for (const a of firing) {
        existing = (await this.bindings.current(a.fingerprint))?.incident;
        if (existing) break;
      }
      const proposed = existing ?? newIncidentId();
      let target: string | undefined;
      const won: BatchAlert[] = [];
      for (const a of firing) {
        const bound = await this.bindings.bind(a.fingerprint, target ?? proposed);
        // The first alert decides the notification's incident; the rest join it unless bound elsewhere.
        target ??= bound.incident;
        if (bound.won && bound.incident === proposed && existing === undefined) won.push(a);
        else {
          add(result.deduplicated, bound.incident, a.fingerprint);
          note(bound.incident, a);
        }
      }
      if (won.length > 0) {
        try {
          await this.opts.service.respond(payloadOf(batch, won), { id: proposed });
        } catch (err) {
          for (const a of won) await this.bindings.release(a.fingerprint, proposed);
          await this.#writeLogs(logs);
          throw err;
        }
        result.opened.push({ id: proposed, fingerprints: won.map((a) => a.fingerprint) });
        for (const a of won) note(proposed, a, true);
      }
    }
    await this.#writeLogs(logs);
    return result;
  }

  async #writeLogs(logs: Map<string, AlertNotification[]>): Promise<void> {
    for (const [id, list] of logs) await appendAlertLog(this.opts.memory, id, list);
    logs.clear();
  }
}

function unique(alerts: readonly BatchAlert[]): BatchAlert[] {
  const seen = new Set<string>();
  return alerts.filter((a) => !seen.has(a.fingerprint) && seen.add(a.fingerprint));
}

function add(list: { id: string; fingerprints: string[] }[], id: string, fingerprint: string): void {
  const found = list.find((x) => x.id === id);
  if (found) found.fingerprints.push(fingerprint);
  else list.push({ id, fingerprints: [fingerprint] });
}
