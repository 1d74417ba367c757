import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { redactJson, redactText } from '../security/redact.js';
import { fail, ok } from '../tools/servers/result.js';
import { InvalidAlertError } from '../workflows/alert.js';

/**
 * Tool answers, redacted on the way out: incident records and persona answers carry tool results, and
 * whatever a tool result carried must not reach the IDE's chat (or its logs) unredacted.
 */
export function okResult(value: Record<string, unknown>): CallToolResult {
  return ok(redactJson(value));
}

/**
 * A tool-level failure the chat model can read and act on. The message is the error's own (our typed
 * errors say what to do); anything else is reported by name so a stack never leaks into a chat.
 */
export function errorResult(err: unknown): CallToolResult {
  if (err instanceof InvalidAlertError) return fail(redactText(`${err.message}. Accepted shapes: an Alertmanager or Grafana webhook, one Prometheus alert, or { title, severity, labels, annotations }.`));
  const message = err instanceof Error ? `${err.name === 'Error' ? '' : `${err.name}: `}${err.message}` : String(err);
  return fail(redactText(message));
}
