import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { CallToolResult, ServerNotification, ServerRequest } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { redactText } from '../../../../security/redact.js';
import { fail, ok } from '../../result.js';
import type { FileAnnotationStore } from '../annotations-file.js';
import type { Datasources } from '../datasources.js';

export type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;

/** What every tool module gets: the server to register on and the datasources to query. */
export interface ToolDeps {
  server: McpServer;
  datasources: Datasources;
  /** Most log lines a query may return. */
  maxLokiLogLimit: number;
  /** Where annotations go without Grafana; undefined when no file is configured. */
  annotations: FileAnnotationStore | undefined;
}

const KNOWN = new Set(['ToolInputError', 'BackendError', 'LogQLError', 'DatasourceNotFoundError', 'GrafanaConfigError']);

/**
 * Wraps a tool body: its value becomes an ok() result, any failure an isError result with a readable,
 * redacted message — a tool never throws past the server. A cancelled call rethrows: the client that
 * cancelled is not waiting for an answer.
 */
export function tool<A>(secrets: readonly string[], body: (args: A, extra: Extra) => Promise<Record<string, unknown>>) {
  return async (args: A, extra: Extra): Promise<CallToolResult> => {
    try {
      return ok(await body(args, extra));
    } catch (err) {
      if (extra.signal.aborted) throw err;
      const name = err instanceof Error ? err.name : '';
      const message = err instanceof Error ? err.message : String(err);
      return fail(redactText(KNOWN.has(name) ? message : `internal error: ${message}`, { secrets }));
    }
  };
}

export const datasourceUid = z.string().min(1).max(200).optional()
  .describe('The UID of the datasource to query (see list_datasources); default: the configured one of the right type');

export const timeArg = (what: string) =>
  z.string().min(1).max(64).optional().describe(`${what}: RFC3339 (2025-11-14T09:30:00Z) or relative ('now', 'now-15m', 'now-1h30m')`);

/** mcp-grafana's label selector shape: { filters: [{ name, value, type }] }. */
export const selectorSchema = z.object({
  filters: z.array(z.object({
    name: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'a label name'),
    value: z.string().max(1_000),
    type: z.enum(['=', '!=', '=~', '!~']).default('='),
  })).max(50),
});

/** `{a="x",b=~"y"}` from selectors, with values escaped for PromQL. */
export function selectorString(selector: z.output<typeof selectorSchema>): string {
  const parts = selector.filters.map((f) => `${f.name}${f.type}"${f.value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`);
  return `{${parts.join(',')}}`;
}

export const READ_ONLY = { readOnlyHint: true, idempotentHint: true, destructiveHint: false, openWorldHint: false } as const;
