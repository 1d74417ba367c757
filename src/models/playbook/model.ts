import { parseOptions } from '../../primitives/options.js';
import { EscalationError } from '../errors.js';
import { FINAL_ANSWER_TOOL, text } from '../protocol.js';
import { toWireName } from '../tool-names.js';
import type { ChatModel, ContentBlock, ModelRequest, ModelResponse } from '../types.js';
import { holds } from './conditions.js';
import { applyDerive, callId, deriveFacts, factNames, type Facts } from './facts.js';
import { playbookSchema, type Playbook, type PlaybookInput, type PlaybookRule } from './schema.js';
import { render, TemplateError } from './template.js';

/** The label every report shows for a playbook-driven persona. */
export const PLAYBOOK_LABEL = 'playbook (no LLM)';

/**
 * A deterministic, rule-driven policy that speaks the same tool-use protocol as an LLM.
 *
 * When to use: drills and CI with no API key, and as a conservative fallback when the LLM is unavailable.
 * What it does: on each call, derives facts from the conversation (handoff input, the latest result of
 * each saved call, errors), then fires the first rule whose conditions hold and that has fired fewer than
 * `maxFires` times: tool calls with arguments templated from facts, a final answer assembled from facts,
 * or an explicit escalation. Labelled `playbook (no LLM)`; reports zero tokens (no model ran).
 * Gotchas: it never guesses — no matching rule, a template naming a missing fact, a tool that is not
 * offered, or a rejected final answer all throw EscalationError. Tool names in rules are qualified
 * (`grafana.query_prometheus`) and mapped to the wire names the persona offers.
 *
 * @example
 * const model = playbookModel({ name: 'triage', rules: [
 *   { id: 'errors', then: { call: { tool: 'grafana.query_prometheus', args: { expr: 'sum(rate(http_requests_total{status="500"}[5m]))' }, saveAs: 'errors' } } },
 *   { id: 'done', when: [{ fact: 'errors', exists: true }], then: { answer: { summary: 'error rate {{errors.value}}' } } },
 * ] });
 */
export function playbookModel(playbook: PlaybookInput): ChatModel & { readonly playbook: Playbook } {
  const pb = parseOptions('playbookModel', playbookSchema, playbook);
  const source = `playbook '${pb.name}'`;
  return {
    id: `playbook:${pb.name}`,
    label: PLAYBOOK_LABEL,
    playbook: pb,
    async generate(req: ModelRequest): Promise<ModelResponse> {
      const facts = deriveFacts(pb, req);
      if (facts.rejected !== undefined) throw new EscalationError(source, `its final answer was rejected: ${facts.rejected}`, factNames(facts.values));
      // The first rule whose conditions hold, each rule judged on the facts plus its own derived ones (computed once).
      let match: { rule: PlaybookRule; values: Record<string, unknown> } | undefined;
      for (const r of pb.rules) {
        if ((facts.fired.get(r.id) ?? 0) >= r.maxFires) continue;
        const values = valuesFor(r, facts.values);
        if (r.when.every((c) => holds(c, values))) {
          match = { rule: r, values };
          break;
        }
      }
      if (!match) throw new EscalationError(source, `no rule matches after ${facts.values['$turn'] as number} turn(s)`, factNames(facts.values));
      const { rule } = match;
      let content: ContentBlock[];
      try {
        content = act(rule, { ...facts, values: match.values }, req, source);
      } catch (err) {
        if (err instanceof TemplateError) throw new EscalationError(source, `rule '${rule.id}': ${err.message}`, factNames(facts.values));
        throw err;
      }
      return { content, stopReason: 'tool_use', usage: { inputTokens: 0, outputTokens: 0 } };
    },
  };
}

/** The facts a rule sees: the playbook's, plus the rule's own derived facts. */
function valuesFor(rule: PlaybookRule, values: Record<string, unknown>): Record<string, unknown> {
  return rule.derive ? applyDerive(rule.derive, { ...values }) : values;
}

/** What the rule does, with `facts.values` already holding its own derived facts. */
function act(rule: PlaybookRule, facts: Facts, req: ModelRequest, source: string): ContentBlock[] {
  const offered = new Set(req.tools.map((t) => t.name));
  const missing = new Set<string>();
  const fire = (facts.fired.get(rule.id) ?? 0) + 1;
  const note = text(`[${source}] rule '${rule.id}'${rule.description ? `: ${rule.description}` : ''}`);
  const then = rule.then;
  if ('escalate' in then) {
    throw new EscalationError(source, `rule '${rule.id}': ${String(render(then.escalate, facts.values, missing))}`, factNames(facts.values));
  }
  let blocks: ContentBlock[];
  if ('answer' in then) {
    need(offered, FINAL_ANSWER_TOOL, rule, source, facts);
    blocks = [{ type: 'tool_use', id: callId(rule.id, fire, 0), name: FINAL_ANSWER_TOOL, input: render(then.answer, facts.values, missing) }];
  } else {
    const calls = 'call' in then ? [then.call] : then.calls;
    blocks = calls.map((c, i) => {
      const wire = toWireName(c.tool);
      need(offered, wire, rule, source, facts, c.tool);
      return { type: 'tool_use', id: callId(rule.id, fire, i), name: wire, input: render(c.args, facts.values, missing) };
    });
  }
  if (missing.size > 0) {
    throw new EscalationError(source, `rule '${rule.id}' needs facts that are not known: ${[...missing].join(', ')}`, factNames(facts.values));
  }
  return [note, ...blocks];
}

function need(offered: Set<string>, wire: string, rule: PlaybookRule, source: string, facts: Facts, qualified = wire): void {
  if (!offered.has(wire)) {
    throw new EscalationError(source, `rule '${rule.id}' needs tool '${qualified}', which is not offered to this persona`, factNames(facts.values));
  }
}
