import { abortReason, raceAbort, sleep } from '../primitives/abort.js';
import { ScriptExhaustedError } from './errors.js';
import { estimateBlockTokens, estimateTokens } from './usage.js';
import type { ChatModel, ContentBlock, ModelRequest, ModelResponse, StopReason, Usage } from './types.js';

/** One scripted reply: blocks (stop reason inferred), a full response, or an error to throw. */
export type ScriptedReply =
  | ContentBlock[]
  | { content: ContentBlock[]; stopReason?: StopReason; usage?: Usage; delayMs?: number }
  | { error: Error };

export type ScriptFunction = (req: ModelRequest, call: number, signal: AbortSignal | undefined) => ScriptedReply | Promise<ScriptedReply>;

export interface ScriptedModelOptions {
  id?: string;
  label?: string;
}

/** A scripted model that also remembers what it was asked, for assertions. */
export interface ScriptedModel extends ChatModel {
  /** Every request received, in order (deep copies, safe to inspect after the run). */
  readonly requests: readonly ModelRequest[];
}

/**
 * A model that answers from a script: a list of replies (served in order) or a function of the request.
 *
 * When to use: tests and examples that need an exact conversation; drills use `playbookModel` instead.
 * What it does: serves each reply, infers `stopReason` (tool_use when the reply holds tool_use blocks),
 * estimates usage from text length when none is given (see estimateTokens), and records every request.
 * Gotchas: a list that runs out throws ScriptExhaustedError; `delayMs` waits honouring the abort signal,
 * and a script function receives the signal so it can simulate a slow, cancellable provider.
 *
 * @example
 * const model = scriptedModel([[toolUse('grafana.query_prometheus', { expr: 'up' })], [toolUse('final_answer', { ok: true })]]);
 */
export function scriptedModel(script: readonly ScriptedReply[] | ScriptFunction, opts: ScriptedModelOptions = {}): ScriptedModel {
  const requests: ModelRequest[] = [];
  const id = opts.id ?? 'scripted';
  return {
    id,
    label: opts.label ?? 'scripted (test)',
    requests,
    async generate(req: ModelRequest, signal?: AbortSignal): Promise<ModelResponse> {
      if (signal?.aborted) throw abortReason(signal);
      requests.push(structuredClone(req));
      const call = requests.length;
      let reply: ScriptedReply | undefined;
      if (typeof script === 'function') {
        const pending = Promise.resolve(script(req, call, signal));
        reply = signal ? await raceAbort(pending, signal) : await pending;
      } else {
        reply = script[call - 1];
      }
      if (reply === undefined) throw new ScriptExhaustedError(id, call);
      if ('error' in reply) throw reply.error;
      const full = Array.isArray(reply) ? { content: reply } : reply;
      if (full.delayMs) await sleep(full.delayMs, signal);
      const content = structuredClone(full.content);
      return {
        content,
        stopReason: full.stopReason ?? (content.some((b) => b.type === 'tool_use') ? 'tool_use' : 'end_turn'),
        usage: full.usage ?? estimateUsage(req, content),
      };
    },
  };
}

function estimateUsage(req: ModelRequest, content: ContentBlock[]): Usage {
  const input =
    estimateTokens(req.system) +
    estimateTokens(JSON.stringify(req.tools)) +
    req.messages.reduce((n, m) => n + estimateBlockTokens(m.content), 0);
  return { inputTokens: input, outputTokens: estimateBlockTokens(content) };
}
