import { z } from 'zod';

/**
 * Incoming alerts, in the shapes users' alerting already sends, normalised to one `Alert`:
 * - an Alertmanager webhook (`{ version, status, alerts: [...] }`), as Prometheus' Alertmanager posts it;
 * - a Grafana alerting webhook (the same envelope plus `title`, `state`, `message`, per-alert `valueString`);
 * - one alert of Prometheus' `/api/v1/alerts` (`{ labels, annotations, state, activeAt, value }`);
 * - the minimal `{ title, severity, labels, annotations, startsAt }`.
 */

export const SEVERITIES = ['p0', 'p1', 'p2', 'p3'] as const;
export type Severity = (typeof SEVERITIES)[number];

export interface Alert {
  title: string;
  /** Absent when the alert carries no recognisable severity: the observability persona assesses it. */
  severity: Severity | undefined;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  source: 'alertmanager' | 'grafana' | 'prometheus' | 'minimal';
  status: 'firing' | 'resolved' | 'pending';
  fingerprint?: string;
  generatorURL?: string;
  value?: string;
}

const labelMap = z.record(z.string(), z.string());
const time = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'must be an RFC 3339 timestamp');

const amAlert = z.object({
  status: z.enum(['firing', 'resolved']).optional(),
  labels: labelMap,
  annotations: labelMap.default({}),
  startsAt: time,
  endsAt: z.string().optional(),
  generatorURL: z.string().optional(),
  fingerprint: z.string().optional(),
  valueString: z.string().optional(),
});

const webhook = z.object({
  version: z.string().optional(),
  /** Alertmanager's (and Grafana's) identity of the notification group. */
  groupKey: z.string().optional(),
  truncatedAlerts: z.number().optional(),
  status: z.enum(['firing', 'resolved']),
  receiver: z.string().optional(),
  groupLabels: labelMap.optional(),
  commonLabels: labelMap.optional(),
  commonAnnotations: labelMap.optional(),
  externalURL: z.string().optional(),
  alerts: z.array(amAlert).min(1, 'must contain at least one alert'),
  // Grafana's additions.
  title: z.string().optional(),
  state: z.string().optional(),
  message: z.string().optional(),
  orgId: z.number().optional(),
});

const prometheusAlert = z.object({
  labels: labelMap.refine((l) => typeof l.alertname === 'string', 'must include alertname'),
  annotations: labelMap.default({}),
  state: z.enum(['firing', 'pending', 'inactive']),
  activeAt: time,
  value: z.union([z.string(), z.number()]).optional(),
});

const minimal = z.object({
  title: z.string().min(1),
  severity: z.string().optional(),
  /** `resolved` tells `firebreak serve` the alert recovered; `firebreak respond` ignores it. */
  status: z.enum(['firing', 'resolved']).optional(),
  /** The alert's identity for deduplication; default a hash of its labels (and title). */
  fingerprint: z.string().min(1).max(500).optional(),
  labels: labelMap.default({}),
  annotations: labelMap.default({}),
  startsAt: time.optional(),
});

/** Thrown when a payload matches none of the accepted shapes; `issues` name the fields. */
export class InvalidAlertError extends Error {
  override readonly name = 'InvalidAlertError';
  constructor(readonly issues: readonly string[]) {
    super(`invalid alert payload: ${issues.join('; ')}`);
  }
}

/** Maps the many spellings of severity in the wild to p0..p3. */
export function normaliseSeverity(raw: string | undefined): Severity | undefined {
  if (!raw) return undefined;
  const s = raw.trim().toLowerCase();
  if (/^(p0|sev0|sev-0|emergency|page|disaster)$/.test(s)) return 'p0';
  if (/^(p1|sev1|sev-1|critical|high|error)$/.test(s)) return 'p1';
  if (/^(p2|sev2|sev-2|warning|warn|medium|major)$/.test(s)) return 'p2';
  if (/^(p3|sev3|sev-3|info|low|minor|none)$/.test(s)) return 'p3';
  return undefined;
}

/**
 * Parses any accepted alert payload. For webhooks with several alerts, the first firing one is the incident's
 * alert (the rest are usually the same symptom on other instances). Throws InvalidAlertError naming the fields.
 */
export function parseAlert(payload: unknown): Alert {
  if (isObject(payload) && Array.isArray(payload.alerts)) {
    const parsed = webhook.safeParse(payload);
    if (!parsed.success) throw new InvalidAlertError(issues('alert webhook', parsed.error));
    const w = parsed.data;
    return webhookAlert(w, w.alerts.find((a) => (a.status ?? w.status) === 'firing') ?? w.alerts[0]!);
  }
  if (isObject(payload) && 'activeAt' in payload) {
    const parsed = prometheusAlert.safeParse(payload);
    if (!parsed.success) throw new InvalidAlertError(issues('prometheus alert', parsed.error));
    const a = parsed.data;
    return clean({
      title: a.annotations.summary ?? a.labels.alertname!,
      severity: normaliseSeverity(a.labels.severity ?? a.labels.priority),
      labels: a.labels, annotations: a.annotations,
      startsAt: new Date(a.activeAt).toISOString(),
      source: 'prometheus',
      status: a.state === 'firing' ? 'firing' : 'pending',
      value: a.value === undefined ? undefined : String(a.value),
    });
  }
  const parsed = minimal.safeParse(payload);
  if (!parsed.success) throw new InvalidAlertError(issues('alert', parsed.error));
  const m = parsed.data;
  const severity = normaliseSeverity(m.severity ?? m.labels.severity);
  if (m.severity !== undefined && severity === undefined) {
    throw new InvalidAlertError([`alert.severity: '${m.severity}' is not one of p0, p1, p2, p3 (or critical, warning, info)`]);
  }
  return clean({
    title: m.title, severity, labels: m.labels, annotations: m.annotations,
    startsAt: new Date(m.startsAt ?? Date.now()).toISOString(), source: 'minimal', status: m.status ?? 'firing', fingerprint: m.fingerprint,
  });
}

/** An Alertmanager or Grafana webhook body, validated (what `parseWebhook` returns). */
export type AlertWebhook = z.infer<typeof webhook>;

/**
 * Validates a webhook body (`{ status, alerts: [...] }`) without picking one alert: for `firebreak serve`,
 * which handles every alert of a notification. Throws InvalidAlertError naming the fields.
 */
export function parseWebhook(payload: unknown): AlertWebhook {
  const parsed = webhook.safeParse(payload);
  if (!parsed.success) throw new InvalidAlertError(issues('alert webhook', parsed.error));
  return parsed.data;
}

/** One alert of a webhook as an `Alert`: its labels and annotations over the group's common ones. */
export function webhookAlert(w: AlertWebhook, a: AlertWebhook['alerts'][number]): Alert {
  const labels = { ...(w.commonLabels ?? {}), ...a.labels };
  const annotations = { ...(w.commonAnnotations ?? {}), ...a.annotations };
  const grafana = w.title !== undefined || w.orgId !== undefined || a.valueString !== undefined;
  return clean({
    title: annotations.summary ?? labels.alertname ?? w.title ?? 'alert',
    severity: normaliseSeverity(labels.severity ?? labels.priority),
    labels, annotations,
    startsAt: new Date(a.startsAt).toISOString(),
    source: grafana ? 'grafana' : 'alertmanager',
    status: a.status ?? w.status,
    fingerprint: a.fingerprint, generatorURL: a.generatorURL, value: a.valueString,
  });
}

function issues(what: string, error: z.ZodError): string[] {
  return error.issues.map((i) => `${[what, ...i.path.map(String)].join('.')}: ${i.message}`);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function clean(alert: Alert): Alert {
  for (const k of ['fingerprint', 'generatorURL', 'value'] as const) if (alert[k] === undefined) delete alert[k];
  return alert;
}
