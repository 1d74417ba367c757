import { redactJson } from '../../security/redact.js';
import type { ToolContent, ToolResult } from '../types.js';

/**
 * What a model may see of a tool result: secrets redacted first (so truncation can never cut a secret in
 * half and leak its prefix), then cut to a byte budget with a visible marker so the model knows it is
 * reading a partial answer and can narrow its query.
 */

export interface ShapeOptions {
  maxBytes: number;
  /** Literal secret values (already including the environment's), redacted wherever they appear. */
  secrets: readonly string[];
}

export interface ShapedResult {
  result: ToolResult;
  /** UTF-8 bytes of the delivered content plus structuredContent JSON. */
  bytes: number;
  truncated: boolean;
}

const NO_ENV: NodeJS.ProcessEnv = {};

export function shapeResult(raw: { content?: unknown; structuredContent?: unknown; isError?: unknown }, opts: ShapeOptions): ShapedResult {
  const redactOpts = { secrets: opts.secrets, env: NO_ENV };
  const structured = isRecord(raw.structuredContent) ? redactJson(raw.structuredContent, redactOpts) : undefined;
  const structuredJson = structured !== undefined ? JSON.stringify(structured) : undefined;
  let content: ToolContent[];
  if (structuredJson !== undefined && isJsonTwin(raw.content, raw.structuredContent)) {
    // The usual shape (every built-in server's ok()): one text block holding structuredContent as JSON.
    // Its redacted form is the redacted structuredContent re-serialised, so redaction runs once, not twice.
    content = [{ type: 'text', text: structuredJson }];
  } else {
    content = Array.isArray(raw.content) ? (redactJson(raw.content, redactOpts) as ToolContent[]) : [];
  }
  const result: ToolResult = { content };
  if (raw.isError === true) result.isError = true;

  const notes: string[] = [];
  let truncated = false;
  let structuredBytes = 0;
  if (structured !== undefined && structuredJson !== undefined) {
    structuredBytes = Buffer.byteLength(structuredJson);
    if (structuredBytes > opts.maxBytes) {
      // Half a JSON document is not valid against the tool's outputSchema, so it goes whole or not at all.
      notes.push(`structuredContent (${structuredBytes} bytes) omitted: over the ${opts.maxBytes}-byte limit`);
      structuredBytes = 0;
      truncated = true;
    } else {
      result.structuredContent = structured;
    }
  }
  const contentBytes = fitContent(result, opts.maxBytes, notes);
  if (contentBytes.truncated) truncated = true;
  if (notes.length > 0) result.content.push({ type: 'text', text: `[firebreak: ${notes.join('; ')}]` });
  return { result, bytes: contentBytes.bytes + structuredBytes, truncated };
}

/** Cuts content blocks in place to `maxBytes`; pushes a note per cut. */
function fitContent(result: ToolResult, maxBytes: number, notes: string[]): { bytes: number; truncated: boolean } {
  let total = 0;
  for (const block of result.content) total += blockBytes(block);
  if (total <= maxBytes) return { bytes: total, truncated: false };
  const kept: ToolContent[] = [];
  let used = 0;
  let dropped = 0;
  for (const block of result.content) {
    const size = blockBytes(block);
    if (used + size <= maxBytes) {
      kept.push(block);
      used += size;
    } else if (block.type === 'text' && typeof block.text === 'string' && used < maxBytes) {
      const text = cutUtf8(block.text, maxBytes - used);
      kept.push({ ...block, text });
      used += Buffer.byteLength(text);
    } else {
      dropped++;
    }
  }
  notes.push(`result truncated: showing ${used} of ${total} bytes${dropped ? `, ${dropped} content block(s) dropped` : ''}; narrow the query for the rest`);
  result.content = kept;
  return { bytes: used, truncated: true };
}

function blockBytes(block: ToolContent): number {
  if (block.type === 'text' && typeof block.text === 'string') return Buffer.byteLength(block.text);
  const data = (block as { data?: unknown }).data;
  if (typeof data === 'string') return data.length;
  return Buffer.byteLength(JSON.stringify(block));
}

/** The longest prefix of `text` within `maxBytes` UTF-8 bytes, never splitting a character. */
export function cutUtf8(text: string, maxBytes: number): string {
  if (text.length * 3 <= maxBytes) return text;
  const buf = Buffer.from(text, 'utf8');
  if (buf.length <= maxBytes) return text;
  let end = maxBytes;
  // Back up to the start of a UTF-8 sequence (continuation bytes are 10xxxxxx).
  while (end > 0 && ((buf[end] ?? 0) & 0xc0) === 0x80) end--;
  return buf.subarray(0, end).toString('utf8');
}

/** True when `content` is exactly one plain text block whose text is `structured` as JSON. */
function isJsonTwin(content: unknown, structured: unknown): boolean {
  if (!Array.isArray(content) || content.length !== 1) return false;
  const block = content[0] as Record<string, unknown> | undefined;
  if (!block || block.type !== 'text' || typeof block.text !== 'string' || Object.keys(block).length !== 2) return false;
  return block.text.length > 0 && (block.text[0] === '{') && block.text === JSON.stringify(structured);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
