import { estimateTokens } from '../models/usage.js';
import type { ToolSpec } from '../tools/types.js';
import { compileAllowlist } from './allowlist.js';
import { finalAnswerTool } from './final-answer.js';
import { buildToolOffer } from './offer.js';
import type { PersonaStep } from './persona.js';
import { systemPrompt } from './prompt.js';

/** A persona's fixed context: what every one of its conversations starts with, before the incident. */
export interface FixedContext {
  persona: string;
  /** Qualified names of the tools offered (allowlisted and available), plus final_answer. */
  tools: string[];
  /** How much the tool definitions had to be compacted to fit (0 = not at all; see schema-compact.ts). */
  compaction: number;
  /** The persona's fixed-context budget (limits.maxFixedContextTokens). */
  limit: number;
  systemChars: number;
  toolChars: number;
  systemTokens: number;
  toolTokens: number;
  /** systemTokens + toolTokens, estimated with `estimateTokens` (characters / 3.5). */
  tokens: number;
  /** The exact text measured (system prompt + the JSON of the tool definitions as sent), for other tokenizers. */
  text: { system: string; tools: string };
}

/**
 * Measures a persona's fixed context against a list of available tools.
 *
 * When to use: keeping personas lean (firebreak's target: about 2,000 tokens each), in the bench and in
 * tests that fail when an instruction or allowlist change bloats a persona.
 * What it does: builds the system prompt and the tool definitions exactly as the persona loop offers them
 * (Anthropic's `tools` JSON: name, description, input_schema), compacted as the loop would to fit the
 * persona's budget, and estimates tokens at 3.5 chars/token.
 * Gotchas: the estimate is an approximation (Claude's tokenizer is not public); the `text` field lets you
 * count with another tokenizer.
 */
export function measureFixedContext(p: PersonaStep<unknown>, available: readonly ToolSpec[]): FixedContext {
  const def = p.definition;
  const system = systemPrompt(def);
  const offer = buildToolOffer(available, compileAllowlist(def.tools), finalAnswerTool(def.output), system, def.limits.maxFixedContextTokens);
  const systemTokens = estimateTokens(system);
  const toolTokens = estimateTokens(offer.toolsJson);
  return {
    persona: def.name,
    tools: [...offer.offered.keys(), 'final_answer'],
    compaction: offer.compaction,
    systemChars: system.length,
    toolChars: offer.toolsJson.length,
    systemTokens,
    toolTokens,
    tokens: systemTokens + toolTokens,
    limit: def.limits.maxFixedContextTokens,
    text: { system, tools: offer.toolsJson },
  };
}
