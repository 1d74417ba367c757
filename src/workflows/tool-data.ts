import { resultText, type ToolResult } from '../tools/types.js';

/**
 * The data a tool result carries: its structuredContent, else the first text block that parses as a JSON
 * object, else `{ text }` (the first 500 characters). What the workflow's own steps read from tools.
 */
export function toolData(result: ToolResult): Record<string, unknown> {
  if (result.structuredContent) return result.structuredContent;
  for (const c of result.content) {
    if (c.type !== 'text' || typeof c.text !== 'string') continue;
    try {
      const parsed: unknown = JSON.parse(c.text);
      if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
    } catch {
      // not JSON: try the next block
    }
  }
  return { text: resultText(result).slice(0, 500) };
}

/** The error text of a failed result, on one line and at most `max` characters. */
export function toolError(result: ToolResult, max = 300): string {
  const text = resultText(result).replace(/\s+/g, ' ').trim();
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
