import { describe, expect, it } from 'vitest';
import { run, step } from '../../src/index.js';
import type { Context } from '../../src/primitives/types.js';
import type { ToolResult, ToolSet } from '../../src/tools/types.js';
import { budgetTools, incidentBudgetSchema } from '../../src/workflows/budget.js';

/** A ToolSet that answers every call; counts what reached it. */
function counting(): ToolSet & { reached: number } {
  const t = {
    reached: 0,
    list: () => [{ name: 'grafana.query_prometheus', description: 'q', inputSchema: { type: 'object' } }],
    async call(): Promise<ToolResult> {
      t.reached++;
      return { content: [{ type: 'text', text: '{"result":[]}' }] };
    },
  };
  return t;
}

/**
 * Makes `n` calls from a step at `path` (slash-separated step names below the run's root step 'incident'),
 * in run `runId`; returns the results and the 'budget' events.
 */
async function callsAt(tools: ToolSet, path: string[], n: number, runId?: string): Promise<{ results: ToolResult[]; budget: Record<string, unknown>[] }> {
  const budget: Record<string, unknown>[] = [];
  const leaf = async (ctx: Context): Promise<ToolResult[]> => {
    const out: ToolResult[] = [];
    for (let i = 0; i < n; i++) out.push(await tools.call('grafana.query_prometheus', { expr: 'up' }, { ctx }));
    return out;
  };
  const nest = (names: string[]): ((ctx: Context) => Promise<ToolResult[]>) => (names.length === 0 ? leaf : (ctx) => ctx.run(step(names[0]!, async (_: unknown, c: Context) => nest(names.slice(1))(c)), undefined));
  const results = await run(step('incident', async (_: unknown, ctx: Context) => nest(path)(ctx)), undefined, {
    ...(runId ? { runId } : {}),
    onEvent: (e) => { if (e.type === 'custom' && e.name === 'budget') budget.push(e.data); },
  });
  return { results, budget };
}

const spent = (r: ToolResult | undefined): boolean => r?.structuredContent?.refusedByBudget === true;

describe('incident budget: tool calls', () => {
  it('counts calls per run; past the limit each call is refused without reaching the tool, with one budget event', async () => {
    const inner = counting();
    const tools = budgetTools(inner, 3);
    const { results, budget } = await callsAt(tools, ['investigate', 'observability', 'turn-1'], 5);
    expect(results.map(spent)).toEqual([false, false, false, true, true]);
    expect(inner.reached).toBe(3);
    expect(results[3]).toEqual({
      isError: true,
      content: [{ type: 'text', text: "not called: this incident's budget of 3 tool calls is spent. Stop, and answer with what you found so far; the workflow escalates to a human." }],
      structuredContent: { refusedByBudget: true },
    });
    expect(budget).toEqual([{ kind: 'tool-calls', limit: 3, detail: "the incident's budget of 3 tool calls is spent" }]);
  });

  it('each run has its own count', async () => {
    const inner = counting();
    const tools = budgetTools(inner, 2);
    const a = await callsAt(tools, ['triage'], 2);
    const b = await callsAt(tools, ['triage'], 2);
    expect([...a.results, ...b.results].some(spent)).toBe(false);
    expect(inner.reached).toBe(4);
  });

  it('calls from the same run in different steps share one count', async () => {
    const tools = budgetTools(counting(), 3);
    await callsAt(tools, ['investigate'], 2, 'run-shared');
    const later = await callsAt(tools, ['fix', 'backend', 'turn-1'], 2, 'run-shared');
    expect(later.results.map(spent)).toEqual([false, true]);
  });

  it('verification polls, the wait for a provider and the restore step are not counted, even once the budget is spent', async () => {
    const inner = counting();
    const tools = budgetTools(inner, 1);
    const runId = `budget-exempt-${Date.now()}`;
    const before = await callsAt(tools, ['deploy', 'verify-fix'], 5, runId);
    const wait = await callsAt(tools, ['deploy', 'wait'], 5, runId);
    const persona = await callsAt(tools, ['investigate', 'observability', 'turn-1'], 2, runId);
    const afterSpent = await callsAt(tools, ['deploy', 'chain', 'restore'], 3, runId);
    const verifyRollback = await callsAt(tools, ['deploy', 'chain', 'verify-rollback', 'poll'], 3, runId);
    expect(before.results.some(spent)).toBe(false);
    expect(wait.results.some(spent)).toBe(false);
    expect(persona.results.map(spent)).toEqual([false, true]);
    expect(afterSpent.results.some(spent)).toBe(false);
    expect(verifyRollback.results.some(spent)).toBe(false);
    expect(inner.reached).toBe(5 + 5 + 1 + 3 + 3);
  });

  it('exempts whole path segments only: a step merely named like one is counted', async () => {
    const tools = budgetTools(counting(), 1);
    const runId = `budget-names-${Date.now()}`;
    const look = await callsAt(tools, ['restore-plan', 'verify', 'waiting'], 2, runId);
    expect(look.results.map(spent)).toEqual([false, true]);
  });

  it('a call without a step context cannot be attributed to a run and is passed through', async () => {
    const inner = counting();
    const tools = budgetTools(inner, 1);
    for (let i = 0; i < 3; i++) expect(spent(await tools.call('grafana.query_prometheus', {}))).toBe(false);
    expect(inner.reached).toBe(3);
    expect(tools.list()).toEqual(inner.list());
  });
});

describe('incident budget: options', () => {
  it('defaults to 120 tool calls and 45 minutes; refuses nonsense naming the field', () => {
    expect(incidentBudgetSchema.parse({})).toEqual({ toolCalls: 120, wallClockSeconds: 2700 });
    expect(incidentBudgetSchema.safeParse({ toolCalls: 0 }).error?.issues[0]?.path).toEqual(['toolCalls']);
    expect(incidentBudgetSchema.safeParse({ toolCalls: 1.5 }).success).toBe(false);
    expect(incidentBudgetSchema.safeParse({ wallClockSeconds: -1 }).error?.issues[0]?.path).toEqual(['wallClockSeconds']);
    expect(incidentBudgetSchema.safeParse({ toolCall: 5 }).success).toBe(false); // a typo is not ignored
  });
});
