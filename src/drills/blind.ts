import type { Alert } from '../workflows/alert.js';
import { canonical } from './diagnosis.js';
import type { DrillPlan } from './types.js';

/**
 * Keeping the responder blind: the personas must find the cause from evidence, so neither the scenario's
 * name nor its expected root-cause category may reach them through the tool configuration, the service
 * config, a prompt or a tool argument. (The expected component is NOT on the list: a service or component
 * name in an alert label is ordinary evidence.)
 *
 * The alert is the one place the scenario's author writes symptom words on purpose, and a scenario name
 * can be a symptom (queue-backlog's alert is "TaskQueueBacklog"). So in the alert's own identity — its
 * name, title, summary and description — only the expected category is removed; every other label or
 * annotation (a `scenario="..."` label, say) must name neither.
 */
export interface LeakTerms {
  /** The expected category: never anywhere. */
  answer: string[];
  /** The scenario name: nowhere but the alert's own identity fields. */
  identity: string[];
  /** Both. */
  all: string[];
}

/** The canonical strings that would give the answer away for this plan. */
export function leakTerms(plan: Pick<DrillPlan, 'name' | 'expected'>): LeakTerms {
  // A no-action scenario has no cause to leak (and "none" is an ordinary word: `jitter: "none"`).
  const answer = plan.expected.action === 'none' ? [] : [canonical(plan.expected.category)].filter(Boolean);
  const identity = [canonical(plan.name)].filter((t) => t.length > 0 && !answer.includes(t));
  return { answer, identity, all: [...answer, ...identity] };
}

/** True when `text` contains one of the terms, in any spelling canonical() folds together ("Retry storm", "retry_storm"). */
export function leaks(text: string, terms: readonly string[]): boolean {
  const c = `-${canonical(text)}-`;
  return terms.some((t) => c.includes(`-${t}-`));
}

/**
 * Every place in a JSON-like value (keys and string values) that contains a leak term, as paths like
 * `grafana.env.LOG_FILES`. Use it to check what a responder is handed, and in tests on everything a spy
 * responder saw.
 */
export function findLeaks(value: unknown, terms: readonly string[], path = '$'): string[] {
  if (typeof value === 'string') return leaks(value, terms) ? [path] : [];
  if (Array.isArray(value)) return value.flatMap((v, i) => findLeaks(v, terms, `${path}[${i}]`));
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).flatMap(([k, v]) => [...(leaks(k, terms) ? [`${path}.${k} (key)`] : []), ...findLeaks(v, terms, `${path}.${k}`)]);
  }
  return [];
}

/** Alert fields the scenario author wrote as the alert's identity (see LeakTerms). */
const ALERT_IDENTITY = new Set(['labels.alertname', 'annotations.summary', 'annotations.description']);

/**
 * The alert with every field that would leak the answer removed: the expected category anywhere, the
 * scenario name outside the alert's identity fields. Returns what was dropped so the runner can warn.
 */
export function blindAlert(alert: Alert, terms: LeakTerms): { alert: Alert; dropped: string[] } {
  const dropped: string[] = [];
  const keep = (group: 'labels' | 'annotations'): Record<string, string> =>
    Object.fromEntries(
      Object.entries(alert[group]).filter(([k, v]) => {
        const banned = ALERT_IDENTITY.has(`${group}.${k}`) ? terms.answer : terms.all;
        const leak = leaks(k, banned) || leaks(v, banned);
        if (leak) dropped.push(`${group}.${k}`);
        return !leak;
      }),
    );
  const blinded: Alert = { ...alert, labels: keep('labels'), annotations: keep('annotations') };
  if (leaks(alert.title, terms.answer)) {
    dropped.push('title');
    blinded.title = blinded.labels.alertname ?? 'alert';
  }
  for (const key of ['generatorURL', 'fingerprint', 'value'] as const) {
    const v = blinded[key];
    if (v !== undefined && leaks(v, terms.all)) {
      dropped.push(key);
      delete blinded[key];
    }
  }
  return { alert: blinded, dropped };
}
