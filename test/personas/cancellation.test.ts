import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { persona } from '../../src/personas/index.js';
import { run } from '../../src/primitives/index.js';
import { scriptedModel, toolUse } from '../../src/testing/index.js';
import { assessment, incident, memoryJournal, quiet } from './helpers/fixtures.js';
import { startTestTools, type TestTools } from './helpers/mcp-toolset.js';

let tools: TestTools;
beforeAll(async () => {
  tools = await startTestTools();
});
afterAll(async () => {
  await tools.close();
});

const budget = { tokens: 100_000, turns: 6, toolCalls: 10 };

describe('persona cancellation', () => {
  it('aborts the model call in flight', async () => {
    let seen: AbortSignal | undefined;
    let entered!: () => void;
    const inModel = new Promise<void>((r) => (entered = r));
    const model = scriptedModel((_req, _n, signal) => {
      seen = signal;
      entered();
      return new Promise(() => undefined); // a provider that never answers
    });
    const p = persona({ name: 'obs', description: 'd', instructions: 'i', tools: [], budget, output: assessment, model, toolset: tools.toolset });
    const ac = new AbortController();
    const running = run(p, { incident }, { signal: ac.signal, logger: quiet });
    await inModel;
    ac.abort(new Error('operator cancelled the incident'));
    await expect(running).rejects.toThrow('operator cancelled the incident');
    expect(seen?.aborted).toBe(true);
  });

  it('aborts running tool calls, and the MCP server observes the cancellation', async () => {
    const model = scriptedModel([[toolUse('grafana.slow_query', { expr: 'a' }), toolUse('grafana.slow_query', { expr: 'b' })]]);
    const p = persona({ name: 'obs', description: 'd', instructions: 'i', tools: ['grafana.*'], budget, output: assessment, model, toolset: tools.toolset });
    const ac = new AbortController();
    const started = tools.slowStarted();
    const before = tools.cancelled;
    const running = run(p, { incident }, { signal: ac.signal, logger: quiet });
    await started;
    await new Promise((r) => setTimeout(r, 20)); // let the second call reach the server too
    ac.abort(new Error('stop'));
    await expect(running).rejects.toThrow('stop');
    await expect.poll(() => tools.cancelled - before, { timeout: 2_000 }).toBe(2);
  });
});

describe('persona journaling', () => {
  it('resumes from the journal: recorded model turns and tool calls are replayed, not repeated', async () => {
    const journal = memoryJournal();
    const crashing = scriptedModel([[toolUse('grafana.query_loki_logs', { logql: '{job="resume-test"}' })], { error: new Error('orchestrator crashed') }]);
    const def = { name: 'obs', description: 'd', instructions: 'i', tools: ['grafana.*'], budget, output: assessment, toolset: tools.toolset };
    const countLoki = () => tools.calls.filter((c) => c.args['logql'] === '{job="resume-test"}').length;

    await expect(run(persona({ ...def, model: crashing }), { incident }, { runId: 'inc-1', journal, logger: quiet })).rejects.toThrow('orchestrator crashed');
    expect(countLoki()).toBe(1);
    expect([...journal.entries.keys()]).toEqual(['inc-1|obs/turn-1/model', 'inc-1|obs/turn-1/tool-1-grafana.query_loki_logs']);

    const resumed = scriptedModel([[toolUse('final_answer', { severity: 'p1', summary: 'resumed', errorRate: 0.15 })]]);
    const out = await run(persona({ ...def, model: resumed }), { incident }, { runId: 'inc-1', journal, logger: quiet });
    expect(out.summary).toBe('resumed');
    expect(countLoki()).toBe(1); // the tool call was not repeated
    expect(resumed.requests).toHaveLength(1); // turn 1 came from the journal
    expect(resumed.requests[0]!.messages).toHaveLength(3); // …and the conversation was rebuilt identically
    expect(crashing.requests[1]).toEqual(resumed.requests[0]);
    expect(journal.entries.has('inc-1|obs')).toBe(true);
  });

  it('passes a stable idempotency key to write tools', async () => {
    const model = () => scriptedModel([[toolUse('github.merge_pull_request', { owner: 'o', repo: 'r', pullNumber: 7 })], [toolUse('final_answer', { severity: 'p1', summary: 'merged', errorRate: 0 })]]);
    const p = (m: ReturnType<typeof model>) => persona({ name: 'devops', description: 'd', instructions: 'i', tools: ['github.merge_pull_request'], budget, output: assessment, model: m, toolset: tools.toolset });
    await run(p(model()), { incident }, { runId: 'inc-2' });
    await run(p(model()), { incident }, { runId: 'inc-2' });
    const keys = tools.calls.filter((c) => c.name === 'github.merge_pull_request' && c.args['pullNumber'] === 7).map((c) => c.idempotencyKey);
    expect(keys).toHaveLength(2);
    expect(keys[0]).toMatch(/^fb-[0-9a-f]{24}$/);
    expect(keys[0]).toBe(keys[1]);
  });
});
