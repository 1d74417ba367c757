import { z } from 'zod';
import type { ToolCallOptions, ToolResult, ToolSet } from '../tools/types.js';

/**
 * A whole incident's budget: tool calls and wall-clock time. A response that has not converged by then is not
 * going to: it stops and escalates with what it found, instead of making hundreds of calls. Verification polls
 * (after a fix or rollback, and while waiting out a provider's outage) and the restore step (putting back the
 * pre-incident release) are outside the tool-call budget — they are what makes stopping safe, and a wait of
 * 15 min polls ~90 times: counted, it would spend the budget and then read every later poll as "no data".
 */

export const incidentBudgetSchema = z.strictObject({
  /** Tool calls by personas and workflow steps, verification polls (also while waiting) and the restore step excepted. */
  toolCalls: z.int().positive().max(10_000).default(120),
  /** From the start of the response; past it no deploy, rollback or maintenance action starts and verification stops waiting. */
  wallClockSeconds: z.number().positive().max(7 * 24 * 3600).default(45 * 60),
});
export type IncidentBudgetOptions = z.input<typeof incidentBudgetSchema>;
export type IncidentBudget = z.output<typeof incidentBudgetSchema>;

/** Paths of verification polls: the verify-* steps and the wait remedy's watch. */
export const VERIFICATION_PATH = /\/(verify-[\w-]+|wait)(\/|$)/;
/** Paths of calls the budget does not count: verification polls and the restore step. */
const EXEMPT = new RegExp(`${VERIFICATION_PATH.source}|\\/restore(\\/|$)`);

/** Thrown (by stages) when the incident's time budget is spent. */
export class IncidentBudgetError extends Error {
  override readonly name = 'IncidentBudgetError';
}

/** Counts tool calls per run; past the limit every counted call answers with an error telling the caller to stop. */
export function budgetTools(inner: ToolSet, maxCalls: number): ToolSet {
  const used = new Map<string, number>();
  return {
    list: () => inner.list(),
    async call(name: string, args: Record<string, unknown>, opts: ToolCallOptions = {}): Promise<ToolResult> {
      const ctx = opts.ctx;
      if (!ctx || EXEMPT.test(ctx.path)) return inner.call(name, args, opts);
      const n = (used.get(ctx.runId) ?? 0) + 1;
      used.set(ctx.runId, n);
      if (n > maxCalls) {
        if (n === maxCalls + 1) ctx.emit('budget', { kind: 'tool-calls', limit: maxCalls, detail: `the incident's budget of ${maxCalls} tool calls is spent` });
        return {
          isError: true,
          content: [{ type: 'text', text: `not called: this incident's budget of ${maxCalls} tool calls is spent. Stop, and answer with what you found so far; the workflow escalates to a human.` }],
          structuredContent: { refusedByBudget: true },
        };
      }
      return inner.call(name, args, opts);
    },
  };
}
