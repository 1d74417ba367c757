import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BudgetExceededError, InvalidFinalAnswerError, persona, RepeatedToolCallError } from '../../src/personas/index.js';
import { run } from '../../src/primitives/index.js';
import { scriptedModel, text, toolUse } from '../../src/testing/index.js';
import type { ToolResultBlock } from '../../src/models/types.js';
import { assessment, incident, quiet } from './helpers/fixtures.js';
import { startTestTools, type TestTools } from './helpers/mcp-toolset.js';

let tools: TestTools;
beforeAll(async () => {
  tools = await startTestTools();
});
afterAll(async () => {
  await tools.close();
});

const final = toolUse('final_answer', { severity: 'p1', summary: 'pool exhausted', errorRate: 0.15 });
/** A model that queries forever, with a different expression each turn (so loop detection stays out of it). */
const forever = (usage?: { inputTokens: number; outputTokens: number }) =>
  scriptedModel((_req, n) => ({ content: [toolUse('grafana.query_prometheus', { expr: `up offset ${n}m` })], ...(usage ? { usage } : {}) }));

function make(model: ReturnType<typeof scriptedModel>, budget = { tokens: 100_000, turns: 10, toolCalls: 20 }, limits = {}) {
  return persona({ name: 'obs', description: 'd', instructions: 'i', tools: ['grafana.*'], budget, output: assessment, model, toolset: tools.toolset, limits });
}

async function failure(p: ReturnType<typeof make>): Promise<unknown> {
  return run(p, { incident }, { logger: quiet }).then(() => undefined, (err: unknown) => err);
}

describe('persona budgets and guards', () => {
  it('stops at the turn budget with the usage so far', async () => {
    const err = await failure(make(forever(), { tokens: 1_000_000, turns: 3, toolCalls: 100 }));
    expect(err).toBeInstanceOf(BudgetExceededError);
    expect(err).toMatchObject({ budget: 'turns', limit: 3, usage: { turns: 3, toolCalls: 3 } });
  });

  it('stops at the token budget, counting cache reads and writes', async () => {
    const model = scriptedModel((_req, n) => ({ content: [toolUse('grafana.query_prometheus', { expr: `up offset ${n}m` })], usage: { inputTokens: 100, outputTokens: 50, cacheReadTokens: 200, cacheWriteTokens: 50 } }));
    const err = await failure(make(model, { tokens: 1_000, turns: 50, toolCalls: 100 }));
    expect(err).toMatchObject({ name: 'BudgetExceededError', budget: 'tokens', usage: { turns: 3, tokens: 1_200, cacheReadTokens: 600, cacheWriteTokens: 150 } });
    // Each request's max output tokens never exceeds what the budget has left.
    expect(model.requests.map((r) => r.maxTokens)).toEqual([1_000, 600, 200]);
  });

  it('stops at the tool-call budget before running the calls that would exceed it', async () => {
    const model = scriptedModel([
      [toolUse('grafana.query_prometheus', { expr: 'a' }), toolUse('grafana.query_prometheus', { expr: 'b' })],
      [toolUse('grafana.query_prometheus', { expr: 'c' }), toolUse('grafana.query_prometheus', { expr: 'd' })],
    ]);
    const before = tools.calls.length;
    const err = await failure(make(model, { tokens: 100_000, turns: 10, toolCalls: 3 }));
    expect(err).toMatchObject({ name: 'BudgetExceededError', budget: 'toolCalls', usage: { toolCalls: 2 } });
    expect(tools.calls.length - before).toBe(2);
  });

  it('warns the model when one turn is left', async () => {
    const model = scriptedModel([[toolUse('grafana.query_prometheus', { expr: 'a' })], [final]]);
    await run(make(model, { tokens: 100_000, turns: 2, toolCalls: 5 }), { incident });
    const lastMessage = model.requests[1]!.messages.at(-1)!;
    expect(lastMessage.content.at(-1)).toEqual(text('[budget] One turn left: call final_answer now.'));
  });

  it('detects an identical call repeated beyond the limit', async () => {
    const model = scriptedModel(() => [toolUse('grafana.query_prometheus', { queryType: 'instant', expr: 'up' })]);
    const err = await failure(make(model, undefined, { maxIdenticalCalls: 2 }));
    expect(err).toBeInstanceOf(RepeatedToolCallError);
    expect(err).toMatchObject({ tool: 'grafana.query_prometheus', count: 3, usage: { toolCalls: 2, turns: 3 } });
  });

  it('treats argument order as irrelevant for loop detection', async () => {
    let n = 0;
    const model = scriptedModel(() => [toolUse('grafana.query_prometheus', ++n % 2 ? { expr: 'up', queryType: 'instant' } : { queryType: 'instant', expr: 'up' })]);
    await expect(failure(make(model, undefined, { maxIdenticalCalls: 1 }))).resolves.toMatchObject({ name: 'RepeatedToolCallError', count: 2 });
  });

  it('sends an invalid final answer back with the validation problem, and accepts the repaired one', async () => {
    const model = scriptedModel([
      [toolUse('final_answer', { severity: 'critical', summary: '', errorRate: '15%' })],
      [final],
    ]);
    await expect(run(make(model), { incident })).resolves.toEqual({ severity: 'p1', summary: 'pool exhausted', errorRate: 0.15 });
    const feedback = model.requests[1]!.messages.at(-1)!.content[0] as ToolResultBlock;
    expect(feedback.is_error).toBe(true);
    expect(feedback.content).toMatch(/^Invalid final answer: severity: .*; summary: .*; errorRate: /);
  });

  it('gives up after the allowed repairs with InvalidFinalAnswerError', async () => {
    const model = scriptedModel(() => [toolUse('final_answer', { severity: 'bad' })]);
    const err = await failure(make(model, undefined, { maxRepairs: 2 }));
    expect(err).toBeInstanceOf(InvalidFinalAnswerError);
    expect(err).toMatchObject({ attempts: 3, usage: { turns: 3 } });
    expect((err as Error).message).toMatch(/severity/);
  });

  it('nudges a model that ends its turn without a tool call, and rejects final_answer mixed with other calls', async () => {
    const model = scriptedModel([
      [text('I think it is the database.')],
      [toolUse('grafana.query_prometheus', { expr: 'x' }), final],
      [final],
    ]);
    await expect(run(make(model), { incident })).resolves.toMatchObject({ severity: 'p1' });
    expect(model.requests[1]!.messages.at(-1)!.content).toEqual([text('Continue with a tool call, or call final_answer with your answer.')]);
    const mixed = model.requests[2]!.messages.at(-1)!.content as ToolResultBlock[];
    expect(mixed.map((b) => b.content)).toEqual([
      'Not run: final_answer was called in the same turn.',
      'Rejected: call final_answer alone, once, after your other tool results are in.',
    ]);
  });
});
