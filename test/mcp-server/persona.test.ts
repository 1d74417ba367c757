import { CallToolResultSchema, type CallToolResult, type Progress } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModelRequest } from '../../src/models/types.js';
import { scriptedModel, toolUse } from '../../src/testing/index.js';
import { call, callError, connectInMemory, eventually, type Connected, type ElicitAnswer } from './helpers/client.js';
import { quickDrills, type QuickDrills } from './helpers/quick-drills.js';
import { p3Alert, REPO, startWorld, type World } from './helpers/world.js';

// persona_ask: a real persona loop (scripted model: the one fake, standing in for an LLM) calling real tools
// (github MCP server over HTTP, backed by the git forge), with progress, cancellation and approvals.

let world: World;
let drills: QuickDrills;
const open: Connected[] = [];

beforeAll(async () => {
  world = await startWorld();
  drills = await quickDrills();
});

afterAll(async () => {
  await Promise.all(open.map((c) => c.close()));
  await world?.close();
  await drills?.close();
});

async function session(model: ReturnType<typeof scriptedModel>, elicit?: ElicitAnswer): Promise<Connected> {
  const c = await connectInMemory(world.deps(drills.desk, model), { name: 'persona-test', ...(elicit ? { elicit } : {}) });
  open.push(c);
  return c;
}

const fix = {
  fixDesign: { change: 'pool.size 10 -> 50', rationale: 'the pool saturates at 3x traffic', files: ['service.config.json'] },
  pullRequest: null,
  tests: { command: 'npm test', passed: true, summary: 'not run: question only' },
  risk: 'low',
  rollbackPlan: 'revert the config',
};

const devopsReport = {
  deployment: { ref: 'main', status: 'skipped' },
  verification: { healthy: false, checks: [] },
  rollback: { performed: false },
  maintenanceMode: false,
  summary: 'merge attempted',
};

const lastToolResult = (req: ModelRequest | undefined): string => JSON.stringify(req?.messages.at(-1)?.content ?? []);

describe('persona_ask', () => {
  it('runs the persona with its real tools, reports progress, and returns its typed answer', async () => {
    const model = scriptedModel([
      [toolUse('github.get_file_contents', { owner: REPO.owner, repo: REPO.repo, path: 'service.config.json' })],
      [toolUse('final_answer', fix)],
    ]);
    const c = await session(model);
    const progress: Progress[] = [];
    const result = (await c.client.callTool(
      { name: 'persona_ask', arguments: { persona: 'backend', question: 'What is the pool size in service.config.json?' } },
      CallToolResultSchema,
      { onprogress: (p) => progress.push(p) },
    )) as CallToolResult;
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toMatchObject({ persona: 'backend', model: 'scripted (test)', answer: fix, usage: { turns: 2, toolCalls: 1 } });
    // The model read the real file from the forge through the real github server.
    const read = model.requests[1]!.messages.at(-1)!.content[0] as { type: string; content: string };
    expect((JSON.parse(read.content) as { content: string }).content).toBe('{ "pool": { "size": 10 } }\n');
    expect(JSON.stringify(model.requests[0]!.messages)).toContain('What is the pool size in service.config.json?');
    const messages = progress.map((p) => p.message);
    expect(messages).toEqual(expect.arrayContaining(['backend: started', 'turn 1: calling github.get_file_contents', 'github.get_file_contents: ok', 'turn 2: answering', 'backend: answered']));
    expect(progress.map((p) => p.progress)).toEqual([...progress.map((p) => p.progress)].sort((a, b) => a - b));
  });

  it('asks in the context of an incident when given its id', async () => {
    const model = scriptedModel([[toolUse('final_answer', fix)]]);
    const c = await session(model);
    const { id } = await call(c.client, 'incident_respond', { alert: p3Alert('Disk (persona context)') });
    await call(c.client, 'persona_ask', { persona: 'backend', question: 'Anything to fix?', incident: id });
    const prompt = JSON.stringify(model.requests[0]!.messages);
    expect(prompt).toContain('Disk (persona context)');
    expect(prompt).toContain('workflows-api');
    expect(await callError(c.client, 'persona_ask', { persona: 'backend', question: 'x', incident: 'inc-missing' })).toMatch(/no incident 'inc-missing'/);
    await eventually('pending', async () => (await call(c.client, 'incident_status', { id })).status === 'pending-approval');
    await call(c.client, 'incident_reject', { id, reason: 'cleanup' });
  });

  it('asks the user before a risky tool call, and refuses it when they decline or cannot be asked', async () => {
    const merge = (): ReturnType<typeof scriptedModel> =>
      scriptedModel([[toolUse('github.merge_pull_request', { owner: REPO.owner, repo: REPO.repo, pullNumber: 7 })], [toolUse('final_answer', devopsReport)]]);

    const declined = merge();
    const asker = await session(declined, () => ({ action: 'decline' }));
    await call(asker.client, 'persona_ask', { persona: 'devops', question: 'Merge PR 7' });
    expect(asker.asked[0]).toMatch(/^persona_ask \(devops\): the devops persona wants to run github\.merge_pull_request with \{"owner":"acme"/);
    expect(lastToolResult(declined.requests[1])).toMatch(/approval required for github.merge_pull_request: rejected by mcp:persona-test: declined in the client/);

    const approved = merge();
    const yes = await session(approved, () => ({ action: 'accept', content: { decision: 'approve' } }));
    await call(yes.client, 'persona_ask', { persona: 'devops', question: 'Merge PR 7' });
    // Approved: the call reached the forge, which has no PR 7.
    expect(lastToolResult(approved.requests[1])).not.toMatch(/approval required/);
    expect(lastToolResult(approved.requests[1])).toMatch(/not found|Not Found|404/i);

    const noForms = merge();
    const plain = await session(noForms);
    await call(plain.client, 'persona_ask', { persona: 'devops', question: 'Merge PR 7' });
    expect(lastToolResult(noForms.requests[1])).toMatch(/rejected by policy:no-approver: the MCP client cannot be asked/);
  });

  it('cancelling the request aborts the persona run, and the server keeps serving', async () => {
    let modelSignal: AbortSignal | undefined;
    const model = scriptedModel((_req, _n, signal) => {
      modelSignal = signal;
      return new Promise((_resolve, reject) => signal?.addEventListener('abort', () => reject(signal.reason as Error)));
    });
    const c = await session(model);
    const controller = new AbortController();
    const pending = c.client.callTool(
      { name: 'persona_ask', arguments: { persona: 'observability', question: 'Why is the error rate up?' } },
      CallToolResultSchema,
      { signal: controller.signal, onprogress: () => undefined },
    );
    await eventually('the model call', () => modelSignal !== undefined);
    controller.abort(new Error('user pressed stop'));
    await expect(pending).rejects.toThrow(/user pressed stop|abort/i);
    await eventually('the persona run aborted (notifications/cancelled reached it)', () => modelSignal!.aborted);
    expect((await call(c.client, 'incident_list', {})).incidents).toBeInstanceOf(Array);
  });

  it('names the personas in its schema and rejects unknown ones', async () => {
    const c = await session(scriptedModel([]));
    const tool = (await c.client.listTools()).tools.find((t) => t.name === 'persona_ask')!;
    expect((tool.inputSchema.properties as Record<string, { enum?: string[] }>).persona!.enum).toEqual(['observability', 'backend', 'devops']);
    expect(await callError(c.client, 'persona_ask', { persona: 'dba', question: 'x' })).toMatch(/persona/);
  });
});
