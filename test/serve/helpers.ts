import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** One HTTP exchange with `firebreak serve`: status, headers and the parsed JSON body (or the text). */
export interface Reply {
  status: number;
  headers: Headers;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export async function http(url: string, init: { method?: string; body?: unknown; raw?: string; headers?: Record<string, string>; token?: string } = {}): Promise<Reply> {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...(init.token ? { authorization: `Bearer ${init.token}` } : {}), ...(init.headers ?? {}) };
  const res = await fetch(url, {
    method: init.method ?? (init.body !== undefined || init.raw !== undefined ? 'POST' : 'GET'),
    headers,
    ...(init.raw !== undefined ? { body: init.raw } : init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // /metrics is text
  }
  return { status: res.status, headers: res.headers, body };
}

/** An Alertmanager webhook (version 4) for `alerts`, as Debian's prometheus-alertmanager sends it. */
export function amWebhook(alerts: { fingerprint: string; status?: 'firing' | 'resolved'; labels?: Record<string, string>; summary?: string }[], groupKey = '{}:{alertname="DiskUsageHigh"}'): Record<string, unknown> {
  const status = alerts.some((a) => (a.status ?? 'firing') === 'firing') ? 'firing' : 'resolved';
  return {
    receiver: 'firebreak', status, groupKey, truncatedAlerts: 0, version: '4',
    groupLabels: { alertname: 'DiskUsageHigh' }, commonLabels: { alertname: 'DiskUsageHigh' }, commonAnnotations: {},
    externalURL: 'http://alertmanager.test:9093',
    alerts: alerts.map((a) => ({
      status: a.status ?? 'firing',
      labels: { alertname: 'DiskUsageHigh', service: 'workflows-api', severity: 'info', ...(a.labels ?? {}) },
      annotations: { summary: a.summary ?? 'Disk usage above 80% on workflows-api' },
      startsAt: '2026-06-11T10:15:00Z',
      endsAt: a.status === 'resolved' ? '2026-06-11T10:25:00Z' : '0001-01-01T00:00:00Z',
      generatorURL: 'http://prometheus.test:9090/graph',
      fingerprint: a.fingerprint,
    })),
  };
}

/** The fenced blocks of `lang` in docs/alerts.md, in order. */
export function alertsDocBlocks(lang: string): string[] {
  const md = readFileSync(fileURLToPath(new URL('../../docs/alerts.md', import.meta.url)), 'utf8');
  return [...md.matchAll(new RegExp('```' + lang + '\\n([\\s\\S]*?)\\n```', 'g'))].map((m) => m[1]!);
}

/** Polls `probe` until it returns a truthy value (or throws after `timeoutMs`). */
export async function eventually<T>(what: string, probe: () => Promise<T | false | undefined | null>, timeoutMs = 30_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
