import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import type { StepEvent } from '../../primitives/types.js';
import type { Approver } from '../../workflows/approval-broker.js';
import { approverName, canElicit, elicitApproval } from '../elicit.js';
import { progressReporter, type HandlerExtra, type ProgressReporter } from '../progress.js';
import { errorResult, okResult } from '../results.js';
import { jsonObject } from '../schemas.js';
import type { FirebreakMcpDeps } from '../types.js';

/**
 * persona_ask: one persona, one question, its own allowlisted tools, its typed answer. Progress is reported
 * per model turn and tool call; cancelling the request aborts the persona's run.
 */

/**
 * The approver for one persona_ask call: the user in the IDE, asked on this request's stream. Without
 * elicitation support, or when the question is dismissed, risky actions are refused — a chat question must
 * never silently merge or deploy.
 */
export function sessionApprover(server: McpServer, extra: HandlerExtra, persona: string): Approver {
  return {
    async request(req, signal) {
      const request = { ...req, id: `${extra.requestId}-${Date.now()}`, requestedAt: new Date().toISOString() };
      const at = (): string => new Date().toISOString();
      if (!canElicit(server.server)) {
        return { approved: false, by: 'policy:no-approver', reason: 'the MCP client cannot be asked (no elicitation support); use incident_respond for actions that need approval', at: at(), request };
      }
      const outcome = await elicitApproval(server.server, req, {
        context: `persona_ask (${persona})`,
        signal: signal ? AbortSignal.any([signal, extra.signal]) : extra.signal,
        timeoutMs: 10 * 60_000,
        relatedRequestId: extra.requestId,
      });
      if (outcome.kind === 'dismissed') return { approved: false, by: approverName(server.server), reason: `not approved: ${outcome.why}`, at: at(), request };
      return { approved: outcome.kind === 'approved', by: approverName(server.server), ...(outcome.reason ? { reason: outcome.reason } : {}), at: at(), request };
    },
  };
}

/** Turns a persona's run events into progress lines a chat can show. */
export function personaProgress(progress: ProgressReporter): (event: StepEvent) => void {
  return (event) => {
    if (event.type !== 'custom') return;
    const d = event.data;
    if (event.name === 'persona.turn') {
      // Turns list wire names (`github__get_file_contents`); show the `server.tool` spelling users know.
      const calls = Array.isArray(d.calls) ? d.calls.map(String).filter((c) => c !== 'final_answer').map((c) => c.replace('__', '.')) : [];
      progress.step(`turn ${String(d.turn)}: ${calls.length ? `calling ${calls.join(', ')}` : 'answering'}`);
    } else if (event.name === 'tool.call') {
      progress.step(`${String(d.server)}.${String(d.tool)}: ${String(d.outcome)}`);
    } else if (event.name === 'tool.refused') {
      progress.step(`refused ${String(d.tool)} (${String(d.reason)})`);
    } else if (event.name === 'approval') {
      progress.step(`${String(d.action)} ${d.approved ? 'approved' : 'rejected'} by ${String(d.by)}`);
    }
  };
}

export function registerPersonaTool(server: McpServer, deps: FirebreakMcpDeps): string[] {
  const personas = deps.personas.list();
  const names = personas.map((p) => p.name);
  const personaField = names.length > 0 ? z.enum(names as [string, ...string[]]) : z.string().min(1);
  server.registerTool(
    'persona_ask',
    {
      title: 'Ask a persona',
      description:
        `Ask one persona a question; it investigates with its own allowlisted tools and answers in its typed format. ` +
        `Personas: ${personas.map((p) => `${p.name} (${p.description})`).join('; ') || 'none configured'}. ` +
        'Give an incident id to ask in that incident\'s context. Risky actions (merge, deploy) are asked of you, or refused if the client cannot ask.',
      inputSchema: {
        persona: personaField.describe('Which persona'),
        question: z.string().min(1).max(8_000).describe('What to find out or do, in plain words'),
        incident: z.string().min(1).max(200).optional().describe('An incident id: the persona sees its alert and earlier findings'),
      },
      outputSchema: {
        persona: z.string(),
        model: z.string(),
        answer: jsonObject().describe("The persona's typed answer (its output schema)"),
        usage: z.object({ inputTokens: z.number(), outputTokens: z.number(), toolCalls: z.number(), turns: z.number() }),
      },
      // The persona may use write tools (branches, PRs); destructive ones go through the approval above.
      annotations: { title: 'Ask a persona', readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true },
    },
    async ({ persona, question, incident }, extra) => {
      const progress = progressReporter(extra);
      try {
        progress.step(`${persona}: started`);
        const answer = await deps.personas.ask(
          { persona, question, ...(incident ? { incidentId: incident } : {}) },
          { signal: extra.signal, onEvent: personaProgress(progress), approver: sessionApprover(server, extra, persona) },
        );
        progress.step(`${persona}: answered`);
        return okResult({ ...answer });
      } catch (err) {
        return errorResult(err);
      }
    },
  );
  return ['persona_ask'];
}
