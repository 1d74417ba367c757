import { z } from 'zod';
import { redactJson, redactText } from '../security/redact.js';
import type { Context } from '../primitives/types.js';
import { resultText, type ToolSet } from '../tools/types.js';

/**
 * How the workflow tells people: a message to the incident channel and a page to the on-call, each through
 * an MCP tool (a Slack or PagerDuty server the user already runs) or a plain webhook. Used for p0 escalation,
 * for incidents the workflow could not resolve, and when an approval times out.
 */

export interface Notification {
  incidentId: string;
  title: string;
  severity: string;
  /** One paragraph: what is happening and what the responders did or need. */
  text: string;
  reason: 'p0-escalation' | 'unresolved' | 'approval-timeout' | 'update';
}

export interface NotifyResult {
  ok: boolean;
  /** Where it went: the tool name or the webhook host. */
  via: string;
  /** The tool's answer or the HTTP status, redacted and short. */
  detail: string;
}

/** One destination. Gotcha: never throws for delivery problems — a failed page must not stop the response. */
export interface NotifyTarget {
  readonly via: string;
  send(n: Notification, opts: { tools?: ToolSet; ctx?: Context; signal?: AbortSignal }): Promise<NotifyResult>;
}

export interface Notifier {
  channel?: NotifyTarget;
  page?: NotifyTarget;
}

const argsTemplate = z.record(z.string(), z.unknown());

/** Config form of a target: `{ tool, args }` (strings may hold {{title}}, {{text}}, {{severity}}, {{incidentId}}) or `{ webhook, headers }`. */
export const notifyTargetConfig = z.union([
  z.strictObject({ tool: z.string().regex(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_.-]+$/, 'expected server.tool, e.g. slack.send_message'), args: argsTemplate.default({}) }),
  z.strictObject({ webhook: z.url(), headers: z.record(z.string(), z.string()).default({}) }),
]);
export type NotifyTargetConfig = z.input<typeof notifyTargetConfig>;

export const notifierConfig = z.strictObject({ channel: notifyTargetConfig.optional(), page: notifyTargetConfig.optional() });
export type NotifierConfig = z.input<typeof notifierConfig>;

/** Builds a Notifier from its config form (see `notifierConfig`). */
export function notifierFromConfig(config: NotifierConfig): Notifier {
  const parsed = notifierConfig.parse(config);
  const target = (t: z.output<typeof notifyTargetConfig>): NotifyTarget => ('tool' in t ? toolTarget(t.tool, t.args) : webhookTarget(t.webhook, t.headers));
  return { ...(parsed.channel ? { channel: target(parsed.channel) } : {}), ...(parsed.page ? { page: target(parsed.page) } : {}) };
}

/** Sends through an MCP tool of the incident's tool set; `args` values are templated with the notification's fields. */
export function toolTarget(tool: string, args: Record<string, unknown>): NotifyTarget {
  return {
    via: tool,
    async send(n, opts) {
      if (!opts.tools) return { ok: false, via: tool, detail: 'no tool set to send through' };
      try {
        const result = await opts.tools.call(tool, fill(args, n) as Record<string, unknown>, { ...(opts.ctx ? { ctx: opts.ctx } : {}), ...(opts.signal ? { signal: opts.signal } : {}) });
        return { ok: result.isError !== true, via: tool, detail: short(resultText(result)) };
      } catch (err) {
        if (opts.signal?.aborted) throw err;
        return { ok: false, via: tool, detail: short(String(err)) };
      }
    },
  };
}

/** POSTs the notification as JSON (`{ incidentId, title, severity, text, reason }`) to a webhook. */
export function webhookTarget(url: string, headers: Record<string, string> = {}): NotifyTarget {
  const host = new URL(url).host;
  return {
    via: `webhook ${host}`,
    async send(n, opts) {
      try {
        const res = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...headers },
          body: JSON.stringify(n),
          signal: opts.signal ? AbortSignal.any([opts.signal, AbortSignal.timeout(10_000)]) : AbortSignal.timeout(10_000),
        });
        const body = await res.text().catch(() => '');
        return { ok: res.ok, via: `webhook ${host}`, detail: short(`HTTP ${res.status} ${body}`) };
      } catch (err) {
        if (opts.signal?.aborted) throw err;
        return { ok: false, via: `webhook ${host}`, detail: short(err instanceof Error ? err.message : String(err)) };
      }
    },
  };
}

function fill(template: unknown, n: Notification): unknown {
  if (typeof template === 'string') {
    return template.replace(/\{\{\s*(incidentId|title|severity|text|reason)\s*\}\}/g, (_, key: keyof Notification) => String(n[key]));
  }
  if (Array.isArray(template)) return template.map((t) => fill(t, n));
  if (template !== null && typeof template === 'object') {
    return Object.fromEntries(Object.entries(template).map(([k, v]) => [k, fill(v, n)]));
  }
  return template;
}

function short(text: string): string {
  const clean = redactText(text);
  return clean.length > 300 ? `${clean.slice(0, 297)}...` : clean;
}

/** Redacted copy of a notification for timelines. */
export function notificationSummary(n: Notification): Record<string, unknown> {
  return redactJson({ reason: n.reason, title: n.title, severity: n.severity });
}
