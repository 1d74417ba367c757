import { redactJson, type RedactOptions } from '../security/redact.js';
import { readCassette, type CassetteExchange } from './cassette.js';
import { firstDifference } from './diff.js';
import { ReplayedModelError, ReplayMismatchError } from './errors.js';
import type { ChatModel, ModelRequest, ModelResponse } from './types.js';

export interface ReplayOptions {
  /** Must match what was used when recording, so requests are compared in the same redacted form. */
  redact?: RedactOptions;
}

/**
 * Serves a cassette written by `recordModel` back, checking that each request is the one recorded.
 *
 * When to use: deterministic, offline tests of personas and workflows against a real model's recorded answers.
 * What it does: matches each request (redacted like the recording) against the unused exchanges, the next
 * one in order first, so personas that ran in parallel while recording still replay; serves the recorded
 * response, or rethrows the recorded error as ReplayedModelError.
 * Gotchas: any change to the system prompt, tool schemas or conversation is a ReplayMismatchError naming the
 * first differing field against the next unused exchange; re-record after intentional prompt changes. A
 * request beyond the cassette's end fails with field '(end of cassette)'.
 *
 * @example
 * const model = replayModel('test/cassettes/triage.jsonl');
 */
export function replayModel(file: string, opts: ReplayOptions = {}): ChatModel & { readonly remaining: number } {
  const cassette = readCassette(file);
  const unused: CassetteExchange[] = [...cassette.exchanges];
  return {
    id: cassette.header.model,
    label: `replay of ${cassette.header.model}`,
    get remaining() {
      return unused.length;
    },
    async generate(req: ModelRequest): Promise<ModelResponse> {
      const request = JSON.parse(JSON.stringify(redactJson(req, opts.redact))) as unknown;
      const index = unused.findIndex((ex) => firstDifference(ex.request, request) === undefined);
      if (index < 0) {
        const next = unused[0];
        if (!next) throw new ReplayMismatchError(file, cassette.exchanges.length + 1, '(end of cassette)', undefined, request);
        const diff = firstDifference(next.request, request)!;
        throw new ReplayMismatchError(file, next.seq, diff.path, diff.expected, diff.actual);
      }
      const [exchange] = unused.splice(index, 1) as [CassetteExchange];
      if (exchange.error) throw new ReplayedModelError(exchange.error.name, exchange.error.message, exchange.error.status);
      return structuredClone(exchange.response!);
    },
  };
}
