import { FINAL_ANSWER_TOOL, text } from '../models/protocol.js';
import type { ChatModel, ContentBlock, Message, ModelRequest, ModelResponse, ToolUseBlock } from '../models/types.js';
import type { Context, Step } from '../primitives/types.js';
import type { ToolSet } from '../tools/types.js';
import { BudgetTracker } from './budget.js';
import { InvalidFinalAnswerError, RepeatedToolCallError, type PersonaUsage } from './errors.js';
import type { FinalAnswerTool } from './final-answer.js';
import { buildToolOffer } from './offer.js';
import { firstMessage, systemPrompt } from './prompt.js';
import { executeToolCalls, type ToolEnv } from './tool-exec.js';
import type { PersonaBudget, PersonaInput } from './types.js';

export interface LoopConfig {
  name: string;
  description: string;
  instructions: string;
  budget: PersonaBudget;
  limits: { maxOutputTokens: number; maxIdenticalCalls: number; maxRepairs: number; maxToolResultChars: number; maxFixedContextTokens: number };
  model: ChatModel;
  toolset: ToolSet;
  allowed: (toolName: string) => boolean;
  final: FinalAnswerTool;
}

type TurnOutcome = { done: true; value: unknown } | { done: false; reply: ContentBlock[] };

/**
 * The agent loop: model -> tool calls (concurrently) -> results -> … -> a final answer through the
 * `final_answer` tool, validated by the output schema.
 *
 * Journaling: each turn is a child step `turn-<n>` (not journaled itself: durable false) holding the model
 * call `turn-<n>/model` and the tool calls `turn-<n>/tool-<k>-<server.tool>`, which ARE journaled. A resumed
 * run therefore replays the recorded model replies and tool results in order, rebuilds the identical
 * conversation, and continues live from the first step that never completed — no model call paid twice,
 * no write tool called twice. Refusals and validation errors are pure functions of the model's reply and
 * need no journal.
 */
export async function runPersonaLoop(input: PersonaInput, ctx: Context, cfg: LoopConfig): Promise<{ output: unknown; usage: PersonaUsage }> {
  const system = systemPrompt(cfg);
  const { names, offered, tools, compaction, fixedTokens } = buildToolOffer(cfg.toolset.list(), cfg.allowed, cfg.final, system, cfg.limits.maxFixedContextTokens);
  if (fixedTokens > cfg.limits.maxFixedContextTokens) {
    ctx.log.warn({ persona: cfg.name, fixedTokens, limit: cfg.limits.maxFixedContextTokens, tools: offered.size }, 'persona fixed context over budget even fully compacted; narrow its tool allowlist');
  }
  ctx.emit('persona.start', { persona: cfg.name, model: cfg.model.id, tools: [...offered.keys()], compaction, fixedTokens });
  const env: ToolEnv = { persona: cfg.name, toolset: cfg.toolset, names, offered, maxToolResultChars: cfg.limits.maxToolResultChars };
  const messages: Message[] = [{ role: 'user', content: [text(firstMessage(input))] }];
  const budget = new BudgetTracker(cfg.name, cfg.budget);
  const identical = new Map<string, number>();
  let repairs = 0;

  const modelStep: Step<ModelRequest, ModelResponse> = {
    name: 'model',
    kind: 'model',
    run: (req, c) => cfg.model.generate(req, c.signal, c),
  };

  const repair = (problem: string): void => {
    repairs++;
    if (repairs > cfg.limits.maxRepairs) throw new InvalidFinalAnswerError(cfg.name, repairs, problem, budget.snapshot());
  };

  const turnStep: Step<number, TurnOutcome> = {
    name: 'turn',
    kind: 'persona.turn',
    durable: false,
    async run(turn, c) {
      const maxTokens = Math.max(1, Math.min(cfg.limits.maxOutputTokens, budget.remainingTokens()));
      const response = await c.run(modelStep, { system, messages: [...messages], tools, maxTokens });
      budget.addModelUsage(response.usage);
      const uses = response.content.filter((b): b is ToolUseBlock => b.type === 'tool_use');
      c.emit('persona.turn', { persona: cfg.name, turn, stopReason: response.stopReason, usage: response.usage, total: budget.snapshot(), calls: uses.map((u) => u.name) });
      messages.push({ role: 'assistant', content: response.content.length > 0 ? response.content : [text('(empty reply)')] });

      const finals = uses.filter((u) => u.name === FINAL_ANSWER_TOOL);
      if (finals.length === 1 && uses.length === 1) {
        const parsed = cfg.final.parse(finals[0]!.input);
        if (parsed.ok) return { done: true, value: parsed.value };
        repair(parsed.problem);
        return { done: false, reply: [{ type: 'tool_result', tool_use_id: finals[0]!.id, content: `Invalid final answer: ${parsed.problem}. Call ${FINAL_ANSWER_TOOL} again with a corrected answer.`, is_error: true }] };
      }
      if (finals.length > 0) {
        repair(`${FINAL_ANSWER_TOOL} must be called alone`);
        return {
          done: false,
          reply: uses.map((u) => ({
            type: 'tool_result' as const,
            tool_use_id: u.id,
            content: u.name === FINAL_ANSWER_TOOL ? `Rejected: call ${FINAL_ANSWER_TOOL} alone, once, after your other tool results are in.` : `Not run: ${FINAL_ANSWER_TOOL} was called in the same turn.`,
            is_error: true,
          })),
        };
      }
      if (uses.length === 0) {
        const cutOff = response.stopReason === 'max_tokens';
        repair(cutOff ? 'reply cut off at the output token limit' : `turn ended without calling ${FINAL_ANSWER_TOOL}`);
        return {
          done: false,
          reply: [text(cutOff ? `Your reply was cut off at the output limit. Be brief: call a tool or ${FINAL_ANSWER_TOOL}.` : `Continue with a tool call, or call ${FINAL_ANSWER_TOOL} with your answer.`)],
        };
      }
      for (const use of uses) {
        const key = `${use.name}\0${stableJson(use.input)}`;
        const count = (identical.get(key) ?? 0) + 1;
        identical.set(key, count);
        if (count > cfg.limits.maxIdenticalCalls) throw new RepeatedToolCallError(cfg.name, names.qualified(use.name) ?? use.name, use.input, count, budget.snapshot());
      }
      budget.addToolCalls(uses.length);
      return { done: false, reply: await executeToolCalls(uses, c, env) };
    },
  };

  for (let turn = 1; ; turn++) {
    budget.beginTurn();
    const outcome = await ctx.run(turnStep, turn, { segment: `turn-${turn}` });
    if (outcome.done) return { output: outcome.value, usage: budget.snapshot() };
    const reply = [...outcome.reply];
    if (budget.turnsLeft() === 1) reply.push(text(`[budget] One turn left: call ${FINAL_ANSWER_TOOL} now.`));
    else if (budget.usage.toolCalls >= cfg.budget.toolCalls) reply.push(text(`[budget] No tool calls left: call ${FINAL_ANSWER_TOOL} now.`));
    messages.push({ role: 'user', content: reply });
  }
}

/** JSON with sorted keys, so `{a,b}` and `{b,a}` count as the same call. */
function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${stableJson((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'undefined';
}
