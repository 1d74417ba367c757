import { FINAL_ANSWER_TOOL } from '../models/protocol.js';
import { ToolNameMap } from '../models/tool-names.js';
import type { ModelToolSpec } from '../models/types.js';
import { estimateTokens } from '../models/usage.js';
import type { ToolSpec } from '../tools/types.js';
import type { FinalAnswerTool } from './final-answer.js';
import { compactDescription, compactSchema, MAX_COMPACTION } from './schema-compact.js';

/** What a persona offers the model: its allowlisted tools under wire names, then `final_answer`. */
export interface ToolOffer {
  names: ToolNameMap;
  /** Allowlisted tools by qualified name (full specs: arguments are validated against these). */
  offered: Map<string, ToolSpec>;
  /** In offer order, as the model sees them. */
  tools: ModelToolSpec[];
  /** The compaction level used (0-4, see schema-compact.ts). */
  compaction: number;
  /** Estimated tokens of system prompt + tool definitions as sent. */
  fixedTokens: number;
  /** The JSON of the tool definitions as the Anthropic adapter sends them (name, description, input_schema). */
  toolsJson: string;
}

/**
 * The one place that decides what a persona may see; the loop and the context-size measurement share it.
 * Tools are compacted at the lowest level whose fixed context (system + tools) fits `maxFixedTokens`; when
 * even the highest level does not fit, that level is used and `fixedTokens` shows the overrun.
 */
export function buildToolOffer(
  available: readonly ToolSpec[],
  allowed: (name: string) => boolean,
  final: FinalAnswerTool,
  system: string,
  maxFixedTokens: number,
): ToolOffer {
  const specs = available.filter((t) => allowed(t.name) && t.name !== FINAL_ANSWER_TOOL);
  const names = new ToolNameMap(specs.map((t) => t.name));
  const systemTokens = estimateTokens(system);
  let best: Omit<ToolOffer, 'names' | 'offered'> | undefined;
  for (let level = 0; level <= MAX_COMPACTION; level++) {
    const tools: ModelToolSpec[] = [
      ...specs.map((t) => ({ name: names.wire(t.name)!, description: compactDescription(t.description, level), inputSchema: compactSchema(t.inputSchema, level) })),
      final.spec,
    ];
    const toolsJson = JSON.stringify(tools.map((t) => ({ name: t.name, description: t.description, input_schema: { type: 'object', ...t.inputSchema } })));
    best = { tools, compaction: level, fixedTokens: systemTokens + estimateTokens(toolsJson), toolsJson };
    if (best.fixedTokens <= maxFixedTokens) break;
  }
  return { names, offered: new Map(specs.map((t) => [t.name, t])), ...best! };
}
