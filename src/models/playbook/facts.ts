import { FINAL_ANSWER_TOOL, parseHandoff, toolResultText } from '../protocol.js';
import type { ModelRequest, ToolUseBlock } from '../types.js';
import { compiled } from './expr.js';
import type { Playbook } from './schema.js';

/**
 * What a playbook knows, derived afresh from the conversation on every call (so a playbook is stateless and
 * replays and resumes exactly):
 * - `input`: the handoff JSON of the first message (incident context, previous personas' outputs);
 * - `<saveAs>`: the latest result of each saved call, parsed as JSON when it is JSON, else its text;
 * - `$errors.<saveAs>`: the error text when that latest result was an error;
 * - `$fired.<ruleId>`: how many times each rule has fired; `$turn`: assistant turns so far;
 * - `$rejected`: the reason the last final answer was rejected, if it was;
 * - the playbook's `derive` facts, computed from all of the above (undefined when an input is missing).
 * Calls are attributed to rules through their tool_use ids (`pb_<rule>_<fire>_<call>`).
 */
export interface Facts {
  values: Record<string, unknown>;
  fired: Map<string, number>;
  /** Set when the newest message rejected our final answer. */
  rejected?: string;
}

export function callId(ruleId: string, fire: number, index: number): string {
  return `toolu_pb_${ruleId}_${fire}_${index}`;
}

const CALL_ID = /^toolu_pb_([A-Za-z][\w-]*)_(\d+)_(\d+)$/;

export function deriveFacts(playbook: Playbook, req: ModelRequest): Facts {
  const values: Record<string, unknown> = {};
  const errors: Record<string, string> = {};
  const fired = new Map<string, number>();
  const saveAsOf = new Map<string, string | undefined>();
  const uses = new Map<string, ToolUseBlock>();
  const input = parseHandoff(req.messages);
  if (input !== undefined) values['input'] = input;
  let turns = 0;
  let rejected: string | undefined;
  const rules = new Map(playbook.rules.map((r) => [r.id, r]));

  for (const [i, message] of req.messages.entries()) {
    if (message.role === 'assistant') {
      turns++;
      const firedThisTurn = new Set<string>();
      for (const block of message.content) {
        if (block.type !== 'tool_use') continue;
        uses.set(block.id, block);
        const m = CALL_ID.exec(block.id);
        if (!m) continue;
        const rule = rules.get(m[1]!);
        if (!rule) continue;
        if (!firedThisTurn.has(rule.id)) fired.set(rule.id, (fired.get(rule.id) ?? 0) + 1);
        firedThisTurn.add(rule.id);
        const calls = 'call' in rule.then ? [rule.then.call] : 'calls' in rule.then ? rule.then.calls : [];
        saveAsOf.set(block.id, calls[Number(m[3])]?.saveAs);
      }
      continue;
    }
    for (const block of message.content) {
      if (block.type !== 'tool_result') continue;
      const text = toolResultText(block.content);
      const use = uses.get(block.tool_use_id);
      if (use?.name === FINAL_ANSWER_TOOL) {
        if (block.is_error && i === req.messages.length - 1) rejected = text;
        continue;
      }
      const saveAs = saveAsOf.get(block.tool_use_id);
      if (!saveAs) continue;
      values[saveAs] = parseMaybeJson(text);
      if (block.is_error) errors[saveAs] = text;
      else delete errors[saveAs];
    }
  }
  values['$errors'] = errors;
  values['$fired'] = Object.fromEntries(fired);
  values['$turn'] = turns;
  if (rejected !== undefined) values['$rejected'] = rejected;
  // Derived facts last, in their order: each sees every tool result and the derived facts before it.
  applyDerive(playbook.derive, values);
  return { values, fired, ...(rejected !== undefined ? { rejected } : {}) };
}

function parseMaybeJson(text: string): unknown {
  const trimmed = text.trim();
  if (!(trimmed.startsWith('{') || trimmed.startsWith('['))) return text;
  try {
    return JSON.parse(trimmed);
  } catch {
    return text;
  }
}

/** Fact names worth listing in an escalation message. */
export function factNames(values: Record<string, unknown>): string[] {
  return Object.keys(values).filter((k) => !k.startsWith('$'));
}

/** Evaluates `derive` in order into `values` (each sees the facts and the derived facts before it); returns `values`. */
export function applyDerive(derive: Record<string, string>, values: Record<string, unknown>): Record<string, unknown> {
  for (const [name, source] of Object.entries(derive)) values[name] = compiled(source).evaluate(values);
  return values;
}
