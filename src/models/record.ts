import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Context } from '../primitives/types.js';
import { isAbortError } from '../primitives/errors.js';
import { redactJson, type RedactOptions } from '../security/redact.js';
import { CASSETTE_VERSION, type CassetteExchange } from './cassette.js';
import type { ChatModel, ModelRequest, ModelResponse } from './types.js';

export interface RecordOptions {
  /** Extra literal secrets to remove (environment secrets are always removed). */
  redact?: RedactOptions;
}

/**
 * Wraps a model and writes every request and its response (or error) to a cassette file.
 *
 * When to use: capture a real conversation once (e.g. a drill on Claude) and replay it in CI with
 * `replayModel`, so tests of prompts, personas and workflows stay exact and free.
 * What it does: truncates `file`, writes a header line, then one JSON line per completed call, redacted with
 * src/security/redact.ts (environment secrets, tokens by shape, secret-named keys).
 * Gotchas: cancelled calls are not recorded (they have no outcome). Writes are synchronous appends so the
 * order matches completion order and a crash loses nothing already returned.
 *
 * @example
 * const model = recordModel(anthropicModel({ model: 'claude-sonnet-5-5' }), 'test/cassettes/triage.jsonl');
 */
export function recordModel(inner: ChatModel, file: string, opts: RecordOptions = {}): ChatModel {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify({ type: 'cassette', version: CASSETTE_VERSION, model: inner.id, createdAt: new Date().toISOString() }) + '\n');
  let seq = 0;
  const write = (entry: Omit<CassetteExchange, 'seq' | 'type'>): void => {
    const line: CassetteExchange = { type: 'exchange', seq: ++seq, ...entry };
    appendFileSync(file, JSON.stringify(redactJson(line, opts.redact)) + '\n');
  };
  return {
    id: inner.id,
    ...(inner.label !== undefined ? { label: inner.label } : {}),
    async generate(req: ModelRequest, signal?: AbortSignal, ctx?: Context): Promise<ModelResponse> {
      // Snapshot first: callers may mutate the conversation array after the call.
      const request = structuredClone(req);
      try {
        const response = await inner.generate(req, signal, ctx);
        write({ request, response });
        return response;
      } catch (err) {
        if (!isAbortError(err) && !signal?.aborted) {
          const e = err instanceof Error ? err : new Error(String(err));
          const status = (err as { status?: unknown }).status;
          write({ request, error: { name: e.name, message: e.message, ...(typeof status === 'number' ? { status } : {}) } });
        }
        throw err;
      }
    },
  };
}
