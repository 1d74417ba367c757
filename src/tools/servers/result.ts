import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';

/**
 * The one shape every built-in MCP server answers with: a JSON text block (for clients that only read
 * text) plus `structuredContent` (for clients and personas that read data).
 */
export function ok(value: Record<string, unknown>): CallToolResult {
  return { content: [{ type: 'text', text: JSON.stringify(value) }], structuredContent: value };
}

/** A tool-level failure the model should see and can react to; never throws past the server. */
export function fail(message: string): CallToolResult {
  return { content: [{ type: 'text', text: message }], isError: true };
}
