import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CassetteError, recordModel, replayModel, ReplayedModelError, ReplayMismatchError } from '../../src/models/index.js';
import { persona } from '../../src/personas/index.js';
import { run } from '../../src/primitives/index.js';
import { scriptedModel, text, toolUse } from '../../src/testing/index.js';
import { assessment, incident, quiet } from '../personas/helpers/fixtures.js';
import { startTestTools, type TestTools } from '../personas/helpers/mcp-toolset.js';

let tools: TestTools;
let dir: string;
const CANARY = 'canary-secret-value-8c1f2e';
beforeAll(async () => {
  tools = await startTestTools();
  dir = mkdtempSync(join(tmpdir(), 'firebreak-cassette-'));
  process.env['FIREBREAK_TEST_SERVICE_TOKEN'] = CANARY;
});
afterAll(async () => {
  delete process.env['FIREBREAK_TEST_SERVICE_TOKEN'];
  await tools.close();
  rmSync(dir, { recursive: true, force: true });
});

const budget = { tokens: 100_000, turns: 5, toolCalls: 5 };
const script = () =>
  scriptedModel([
    [text(`Using token ${CANARY} to look around.`), toolUse('grafana.query_prometheus', { expr: 'sum(rate(http_requests_total{status="500"}[5m]))' }, 'toolu_r1')],
    [toolUse('final_answer', { severity: 'p1', summary: 'error rate 15%', errorRate: 0.15 }, 'toolu_r2')],
  ]);
const obs = (model: Parameters<typeof persona>[0]['model'], instructions = 'Query the error rate, then answer.') =>
  persona({ name: 'observability', description: 'd', instructions, tools: ['grafana.query_*'], budget, output: assessment, model, toolset: tools.toolset });

describe('record / replay', () => {
  it('records a run and replays it with identical outputs, with secrets redacted', async () => {
    const file = join(dir, 'triage.jsonl');
    const recorded = await run(obs(recordModel(script(), file)), { incident });
    const replay = replayModel(file);
    const replayed = await run(obs(replay), { incident });
    expect(replayed).toEqual(recorded);
    expect(replay.remaining).toBe(0);
    expect(replay.id).toBe('scripted');

    const lines = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines[0]).toMatchObject({ type: 'cassette', version: 1, model: 'scripted' });
    expect(lines.slice(1).map((l) => l['seq'])).toEqual([1, 2]);
    expect(readFileSync(file, 'utf8')).not.toContain(CANARY);
    expect(readFileSync(file, 'utf8')).toContain('[REDACTED]');
  });

  it('names the first differing field when the prompt changed', async () => {
    const file = join(dir, 'changed.jsonl');
    await run(obs(recordModel(script(), file)), { incident });
    const err = await run(obs(replayModel(file), 'Different instructions.'), { incident }, { logger: quiet }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ReplayMismatchError);
    expect(err).toMatchObject({ field: 'system', exchange: 1 });
    expect((err as Error).message).toMatch(/first difference at 'system'/);
  });

  it('names a changed tool result deep inside the conversation', async () => {
    const file = join(dir, 'deep.jsonl');
    await run(obs(recordModel(script(), file)), { incident });
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    const second = JSON.parse(lines[2]!) as { request: { messages: { content: { type: string; content?: string }[] }[] } };
    second.request.messages[2]!.content[0]!.content = '{"result":"edited"}';
    lines[2] = JSON.stringify(second);
    writeFileSync(file, lines.join('\n') + '\n');
    const err = await run(obs(replayModel(file)), { incident }, { logger: quiet }).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'ReplayMismatchError', field: 'messages[2].content[0].content', exchange: 2 });
  });

  it('fails at the end of the cassette, replays recorded errors, and rejects malformed files by line', async () => {
    const file = join(dir, 'errors.jsonl');
    const failing = recordModel(scriptedModel([{ error: Object.assign(new Error('overloaded'), { name: 'ModelApiError', status: 529 }) }]), file);
    const req = { system: 's', tools: [], maxTokens: 10, messages: [{ role: 'user' as const, content: [text('hi')] }] };
    await expect(failing.generate(req)).rejects.toThrow('overloaded');
    const replay = replayModel(file);
    await expect(replay.generate(req)).rejects.toEqual(expect.objectContaining({ name: 'ReplayedModelError', status: 529 }));
    await expect(replay.generate(req)).rejects.toMatchObject({ field: '(end of cassette)' });
    expect(ReplayedModelError).toBeDefined();

    const bad = join(dir, 'bad.jsonl');
    writeFileSync(bad, `${readFileSync(file, 'utf8')}{"type":"exchange","seq":"two"}\n`);
    expect(() => replayModel(bad)).toThrow(CassetteError);
    expect(() => replayModel(bad)).toThrow(/line 3: .*seq/);
    expect(() => replayModel(join(dir, 'missing.jsonl'))).toThrow(/cannot read/);
  });
});
