import { toWireName } from './tool-names.js';
import type { Message, TextBlock, ToolUseBlock } from './types.js';

/**
 * The small conversation protocol shared by the persona loop (which writes it) and rule-driven models such
 * as playbooks (which read it). Kept in the models layer so that models never import personas.
 */

/** The tool every persona offers for its structured final answer. */
export const FINAL_ANSWER_TOOL = 'final_answer';

const HANDOFF_OPEN = '<handoff>';
const HANDOFF_CLOSE = '</handoff>';

/** Renders the incident context and earlier personas' outputs as a delimited JSON block in the first message. */
export function renderHandoff(data: unknown): string {
  return `${HANDOFF_OPEN}\n${JSON.stringify(data, null, 1)}\n${HANDOFF_CLOSE}`;
}

/** The handoff JSON of a conversation (from its first user message), or undefined when there is none. */
export function parseHandoff(messages: readonly Message[]): unknown {
  const first = messages.find((m) => m.role === 'user');
  if (!first) return undefined;
  for (const block of first.content) {
    if (block.type !== 'text') continue;
    const start = block.text.indexOf(HANDOFF_OPEN);
    const end = block.text.lastIndexOf(HANDOFF_CLOSE);
    if (start < 0 || end < start) continue;
    try {
      return JSON.parse(block.text.slice(start + HANDOFF_OPEN.length, end));
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** A text block. */
export function text(value: string): TextBlock {
  return { type: 'text', text: value };
}

let nextId = 0;

/**
 * A tool_use block for scripts and playbooks. `name` may be qualified (`grafana.query_prometheus`): it is
 * converted to the wire name the persona loop offers.
 */
export function toolUse(name: string, input: Record<string, unknown> | string, id?: string): ToolUseBlock {
  return { type: 'tool_use', id: id ?? `toolu_${(++nextId).toString(36).padStart(6, '0')}`, name: toWireName(name), input };
}

/** Text of a tool_result's content. */
export function toolResultText(content: string | TextBlock[]): string {
  return typeof content === 'string' ? content : content.map((b) => b.text).join('\n');
}
