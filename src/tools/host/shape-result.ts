import { NO_SECRET_ENV, redactJsonShared } from '../../security/redact.js';
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


export function shapeResult(raw: { content?: unknown; structuredContent?: unknown; isError?: unknown }, opts: ShapeOptions): ShapedResult {
  const redactOpts = { secrets: opts.secrets, env: NO_SECRET_ENV };
  const rawStructured = isRecord(raw.structuredContent) ? raw.structuredContent : undefined;
  // Copy-on-write: a clean answer (the usual case) is read, not copied.
  const structured = rawStructured !== undefined ? redactJsonShared(rawStructured, redactOpts) : undefined;
  const structuredJson = structured !== undefined ? JSON.stringify(structured) : undefined;
  let content: ToolContent[] | undefined;
  let twin = false;
  if (structuredJson !== undefined && isJsonTwin(raw.content, structured === rawStructured ? structuredJson : JSON.stringify(rawStructured))) {
    // The usual shape (every built-in server's ok()): one text block holding structuredContent as JSON. Its
    // redacted form is the redacted structuredContent's JSON — so redaction runs once, not twice, and key-based
    // redaction (`githubToken`) reaches the text form too.
    content = [{ type: 'text', text: structuredJson }];
    twin = true;
  } else {
    content = Array.isArray(raw.content) ? (redactJsonShared(raw.content, redactOpts) as ToolContent[]).slice() : [];
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
  // A twin's one block is exactly as long as the JSON just measured: when that fits, so does the block.
  const contentBytes = twin && result.structuredContent !== undefined ? { bytes: structuredBytes, truncated: false } : fitContent(result, opts.maxBytes, notes);
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

/** True when `content` is exactly one plain text block whose text is `json` (a structuredContent's JSON). */
function isJsonTwin(content: unknown, json: string): boolean {
  if (!Array.isArray(content) || content.length !== 1) return false;
  const block = content[0] as Record<string, unknown> | undefined;
  if (!block || block.type !== 'text' || typeof block.text !== 'string') return false;
  for (const key in block) if (key !== 'type' && key !== 'text') return false;
  return block.text === json;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
