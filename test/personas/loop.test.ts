import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { persona, provide, handoff, PersonaConfigError, PersonaInputError } from '../../src/personas/index.js';
import { scriptedModel, toolUse, text } from '../../src/testing/index.js';
import { run, sequence, type StepEvent } from '../../src/primitives/index.js';
import type { ToolResultBlock } from '../../src/models/types.js';
import { z } from 'zod';
import { startTestTools, type TestTools } from './helpers/mcp-toolset.js';
import { assessment, customEvents, incident, memoryRecorder, quiet } from './helpers/fixtures.js';

let tools: TestTools;
beforeAll(async () => {
  tools = await startTestTools();
});
afterAll(async () => {
  await tools.close();
});

const budget = { tokens: 100_000, turns: 6, toolCalls: 10 };

function resultsOf(req: { messages: { role: string; content: unknown[] }[] } | undefined): ToolResultBlock[] {
  const last = req?.messages.at(-1);
  return (last?.content ?? []).filter((b): b is ToolResultBlock => (b as { type: string }).type === 'tool_result');
}

describe('persona loop over real MCP tools', () => {
  it('runs tools concurrently, feeds results back and returns the validated final answer', async () => {
    const model = scriptedModel([
      [text('Checking errors and logs.'), toolUse('grafana.query_prometheus', { expr: 'sum(rate(http_requests_total{status="500"}[5m]))' }), toolUse('grafana.query_loki_logs', { logql: '{job="api"} |= "error"' })],
      [toolUse('final_answer', { severity: 'p1', summary: 'DB pool exhausted', errorRate: 0.15 })],
    ]);
    const triage = persona({ name: 'triage', description: 'Triages alerts.', instructions: 'Query first.', tools: ['grafana.query_*'], budget, output: assessment, model, toolset: tools.toolset });
    const events: StepEvent[] = [];
    const memory = memoryRecorder();
    const out = await run(triage, { incident }, { onEvent: (e) => events.push(e), memory });

    expect(out).toEqual({ severity: 'p1', summary: 'DB pool exhausted', errorRate: 0.15 });
    // Only allowlisted tools (wire names) plus final_answer are offered.
    expect(model.requests[0]!.tools.map((t) => t.name)).toEqual(['grafana__query_prometheus', 'grafana__query_loki_logs', 'final_answer']);
    expect(model.requests[0]!.system).toContain('You are the triage persona');
    expect(JSON.stringify(model.requests[0]!.messages[0])).toContain('APIErrorRateHigh');
    const results = resultsOf(model.requests[1]);
    expect(results).toHaveLength(2);
    expect(String(results[0]!.content)).toContain('"0.15"');
    expect(String(results[1]!.content)).toContain('Database connection timeout');
    // The timeline: turns and tool calls are child steps with unique paths.
    const paths = events.filter((e) => e.type === 'end').map((e) => e.path);
    expect(paths).toEqual(expect.arrayContaining(['triage/turn-1/model', 'triage/turn-1/tool-1-grafana.query_prometheus', 'triage/turn-1/tool-2-grafana.query_loki_logs', 'triage/turn-2/model', 'triage']));
    expect(customEvents(events, 'persona.turn').map((d) => d['turn'])).toEqual([1, 2]);
    expect(customEvents(events, 'tool.call')).toHaveLength(2);
    expect(customEvents(events, 'persona.result')[0]).toMatchObject({ persona: 'triage', model: 'scripted', usage: { turns: 2, toolCalls: 2 } });
    expect(memory.values.get('findings/triage')).toEqual(out);
    expect(memory.log).toEqual([expect.objectContaining({ type: 'persona.findings', persona: 'triage' })]);
  });

  it('refuses a tool outside the allowlist: never offered, never called, an error result for the model', async () => {
    const model = scriptedModel([
      [toolUse('github.merge_pull_request', { owner: 'o', repo: 'r', pullNumber: 1 })],
      [toolUse('final_answer', { severity: 'p2', summary: 'could not merge', errorRate: 0 })],
    ]);
    const triage = persona({ name: 'triage', description: 'd', instructions: 'i', tools: ['grafana.*'], budget, output: assessment, model, toolset: tools.toolset });
    const before = tools.calls.filter((c) => c.name === 'github.merge_pull_request').length;
    const events: StepEvent[] = [];
    await run(triage, { incident }, { onEvent: (e) => events.push(e) });
    expect(model.requests[0]!.tools.map((t) => t.name)).not.toContain('github__merge_pull_request');
    expect(tools.calls.filter((c) => c.name === 'github.merge_pull_request').length).toBe(before);
    const [refusal] = resultsOf(model.requests[1]);
    expect(refusal).toMatchObject({ is_error: true });
    expect(String(refusal!.content)).toMatch(/not allowed for the triage persona; the call was refused/);
    expect(customEvents(events, 'tool.refused')).toEqual([{ persona: 'triage', tool: 'github__merge_pull_request', reason: 'not allowed' }]);
  });

  it('returns malformed calls and tool failures to the model as error results instead of crashing', async () => {
    const model = scriptedModel([
      [
        toolUse('grafana.no_such_tool', {}),
        toolUse('grafana.query_prometheus', { expr: 42 }),
        toolUse('grafana.query_prometheus', '{"expr": "up"'),
        toolUse('grafana.failing_query', { expr: 'up' }),
      ],
      [toolUse('final_answer', { severity: 'p3', summary: 'inconclusive', errorRate: 0 })],
    ]);
    const p = persona({ name: 'triage', description: 'd', instructions: 'i', tools: ['grafana.*'], budget, output: assessment, model, toolset: tools.toolset });
    await expect(run(p, { incident })).resolves.toMatchObject({ severity: 'p3' });
    const results = resultsOf(model.requests[1]);
    expect(results.map((r) => r.is_error)).toEqual([true, true, true, true]);
    expect(String(results[0]!.content)).toMatch(/unknown tool grafana__no_such_tool/);
    expect(String(results[1]!.content)).toMatch(/invalid arguments for grafana__query_prometheus: arguments\/expr must be string/);
    expect(String(results[2]!.content)).toMatch(/must be a JSON object.*invalid JSON/);
    expect(String(results[3]!.content)).toBe('datasource unavailable');
  });

  it('turns a ToolSet that throws into an error result', async () => {
    const throwing = { list: () => tools.toolset.list(), call: async () => { throw new Error('socket hang up'); } };
    const model = scriptedModel([[toolUse('grafana.query_prometheus', { expr: 'up' })], [toolUse('final_answer', { severity: 'p3', summary: 's', errorRate: 0 })]]);
    const p = persona({ name: 'triage', description: 'd', instructions: 'i', tools: ['grafana.*'], budget, output: assessment, model, toolset: throwing });
    await run(p, { incident });
    expect(resultsOf(model.requests[1])[0]).toMatchObject({ is_error: true, content: 'tool grafana.query_prometheus failed: Error: socket hang up' });
  });

  it('gets model and tools from provide(), and chains personas with handoff()', async () => {
    const first = persona({ name: 'observability', description: 'd', instructions: 'i', tools: ['grafana.*'], budget, output: assessment });
    const second = persona({ name: 'backend', description: 'd', instructions: 'i', tools: [], budget, output: z.object({ fix: z.string() }) });
    const models = {
      observability: scriptedModel([[toolUse('final_answer', { severity: 'p1', summary: 'pool', errorRate: 0.15 })]]),
      backend: scriptedModel([[toolUse('final_answer', { fix: 'raise pool to 50' })]]),
    };
    const workflow = provide({ model: (name) => models[name as keyof typeof models], toolset: tools.toolset }, sequence(handoff(first), handoff(second)));
    const out = await run(workflow, { incident });
    expect(out.previous).toEqual({ observability: { severity: 'p1', summary: 'pool', errorRate: 0.15 }, backend: { fix: 'raise pool to 50' } });
    // The backend persona saw the observability persona's answer in its handoff.
    expect(JSON.stringify(models.backend.requests[0]!.messages[0])).toContain('\\"summary\\": \\"pool\\"');
    expect(models.backend.requests[0]!.tools.map((t) => t.name)).toEqual(['final_answer']);
  });

  it('fails clearly without a model, and on invalid input', async () => {
    const p = persona({ name: 'lonely', description: 'd', instructions: 'i', tools: [], budget, output: assessment, toolset: tools.toolset });
    await expect(run(p, { incident }, { logger: quiet })).rejects.toBeInstanceOf(PersonaConfigError);
    const q = persona({ name: 'q', description: 'd', instructions: 'i', tools: [], budget, output: assessment, toolset: tools.toolset, model: scriptedModel([]) });
    await expect(run(q, { incident: 'x' } as never, { logger: quiet })).rejects.toThrow(PersonaInputError);
    await expect(run(q, { incident: 'x' } as never, { logger: quiet })).rejects.toThrow(/incident/);
  });

  it('validates its definition, naming the bad field', () => {
    expect(() => persona({ name: 'a/b', description: 'd', instructions: 'i', tools: [], budget, output: assessment })).toThrow(/name/);
    expect(() => persona({ name: 'a', description: 'd', instructions: 'i', tools: [], budget: { ...budget, turns: 0 }, output: assessment })).toThrow(/budget\.turns/);
  });
});
