import type { Context } from '../primitives/types.js';

/**
 * The contract between personas and tools. A persona only ever sees `ToolSpec`s and calls through a
 * `ToolSet`; the MCP tool host, an approval gate or a test double all implement the same interface.
 */

/** MCP tool annotations (hints; the tool host also uses readOnlyHint to decide what may be retried). */
export interface ToolAnnotations {
  title?: string;
  readOnlyHint?: boolean;
  destructiveHint?: boolean;
  idempotentHint?: boolean;
  openWorldHint?: boolean;
}

export interface ToolSpec {
  /** Qualified as `server.tool`, e.g. `grafana.query_prometheus`. */
  name: string;
  description: string;
  /** JSON Schema of the arguments (an object schema). */
  inputSchema: Record<string, unknown>;
  outputSchema?: Record<string, unknown>;
  annotations?: ToolAnnotations;
}

export type ToolContent =
  | { type: 'text'; text: string }
  | { type: 'image'; data: string; mimeType: string }
  | { type: 'resource'; resource: Record<string, unknown> }
  | { type: string; [key: string]: unknown };

export interface ToolResult {
  content: ToolContent[];
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
}

export interface ToolCallOptions {
  signal?: AbortSignal;
  /** The calling step's context: the call becomes an event in its run's timeline. */
  ctx?: Context;
  /** Forwarded to write tools so a resumed run does not repeat a side effect. */
  idempotencyKey?: string;
}

export interface ToolSet {
  /** The tools currently available (a snapshot; may change when servers reconnect or announce changes). */
  list(): ToolSpec[];
  /** Calls a tool. Failures the model should see come back as `isError` results; only cancellation rejects. */
  call(name: string, args: Record<string, unknown>, opts?: ToolCallOptions): Promise<ToolResult>;
}

/** The text of a result, joined; what a model reads when it cannot read structuredContent. */
export function resultText(result: ToolResult): string {
  return result.content
    .map((c) => (c.type === 'text' && typeof c.text === 'string' ? c.text : `[${c.type}]`))
    .join('\n');
}
