import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { CassetteError } from './errors.js';
import type { ModelRequest, ModelResponse } from './types.js';

/**
 * Cassette format (JSON lines, one object per line, secrets redacted):
 *   {"type":"cassette","version":1,"model":"anthropic:claude-…","createdAt":"…"}
 *   {"type":"exchange","seq":1,"request":{…ModelRequest},"response":{…ModelResponse}}
 *   {"type":"exchange","seq":2,"request":{…},"error":{"name":"ModelApiError","message":"…","status":529}}
 * Line-oriented so a crashed recording keeps every completed exchange and diffs stay readable.
 */

export const CASSETTE_VERSION = 1;

const header = z.object({ type: z.literal('cassette'), version: z.literal(CASSETTE_VERSION), model: z.string(), createdAt: z.string() });
const exchange = z.object({
  type: z.literal('exchange'),
  seq: z.number().int().positive(),
  request: z.object({ system: z.string(), messages: z.array(z.any()), tools: z.array(z.any()), maxTokens: z.number() }),
  response: z.object({ content: z.array(z.any()), stopReason: z.enum(['end_turn', 'tool_use', 'max_tokens']), usage: z.object({ inputTokens: z.number(), outputTokens: z.number() }).passthrough() }).optional(),
  error: z.object({ name: z.string(), message: z.string(), status: z.number().optional() }).optional(),
});

export type CassetteHeader = z.infer<typeof header>;

export interface CassetteExchange {
  type: 'exchange';
  seq: number;
  request: ModelRequest;
  response?: ModelResponse;
  error?: { name: string; message: string; status?: number };
}

export interface Cassette {
  header: CassetteHeader;
  exchanges: CassetteExchange[];
}

/** Reads and validates a cassette; errors name the file and the line. */
export function readCassette(file: string): Cassette {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new CassetteError(file, `cannot read: ${(err as Error).message}`, { cause: err });
  }
  const lines = text.split('\n').filter((l) => l.trim().length > 0);
  if (lines.length === 0) throw new CassetteError(file, 'empty file (no header line)');
  const parsed = lines.map((line, i) => {
    try {
      return JSON.parse(line) as unknown;
    } catch {
      throw new CassetteError(file, `line ${i + 1}: not valid JSON`);
    }
  });
  const head = header.safeParse(parsed[0]);
  if (!head.success) throw new CassetteError(file, `line 1: not a cassette header (${issuesOf(head.error)})`);
  const exchanges = parsed.slice(1).map((value, i) => {
    const ex = exchange.safeParse(value);
    if (!ex.success) throw new CassetteError(file, `line ${i + 2}: ${issuesOf(ex.error)}`);
    if (!ex.data.response && !ex.data.error) throw new CassetteError(file, `line ${i + 2}: exchange has neither response nor error`);
    return ex.data as CassetteExchange;
  });
  return { header: head.data, exchanges };
}

function issuesOf(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
}
