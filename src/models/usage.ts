import type { ContentBlock, Usage } from './types.js';

/**
 * Token estimate used wherever no provider count exists (scripted models, context budgets, the fake wire
 * server): ceil(characters / 3.5). Claude's tokenizer is not public; on English prose, JSON and tool
 * schemas, 3.5 characters per token is slightly pessimistic (it over-counts), which is the safe side for
 * budgets. bench/personas.bench.ts compares it with a real BPE tokenizer (cl100k_base via js-tiktoken).
 */
export function estimateTokens(text: string): number {
  return text.length === 0 ? 0 : Math.ceil(text.length / CHARS_PER_TOKEN);
}

export const CHARS_PER_TOKEN = 3.5;

/** Estimated tokens of content blocks (text, tool inputs as JSON, tool results). */
export function estimateBlockTokens(blocks: readonly ContentBlock[]): number {
  let chars = 0;
  for (const block of blocks) {
    if (block.type === 'text') chars += block.text.length;
    else if (block.type === 'tool_use') chars += block.name.length + JSON.stringify(block.input ?? {}).length;
    else chars += typeof block.content === 'string' ? block.content.length : block.content.reduce((n, b) => n + b.text.length, 0);
  }
  return Math.ceil(chars / CHARS_PER_TOKEN);
}

/** Every token the request made the model process: uncached input + cache reads + cache writes + output. */
export function totalTokens(usage: Usage): number {
  return usage.inputTokens + usage.outputTokens + (usage.cacheReadTokens ?? 0) + (usage.cacheWriteTokens ?? 0);
}

/** Sums two usages (e.g. across the turns of a conversation). */
export function addUsage(a: Usage, b: Usage): Usage {
  return {
    inputTokens: a.inputTokens + b.inputTokens,
    outputTokens: a.outputTokens + b.outputTokens,
    cacheReadTokens: (a.cacheReadTokens ?? 0) + (b.cacheReadTokens ?? 0),
    cacheWriteTokens: (a.cacheWriteTokens ?? 0) + (b.cacheWriteTokens ?? 0),
  };
}
