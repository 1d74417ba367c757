import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { compactSchema, compactDescription } from '../../src/personas/schema-compact.js';
import { buildToolOffer } from '../../src/personas/offer.js';
import { finalAnswerTool } from '../../src/personas/final-answer.js';
import { compileAllowlist, globToRegExp } from '../../src/personas/allowlist.js';
import { persona } from '../../src/personas/index.js';
import { run } from '../../src/primitives/index.js';
import { scriptedModel, toolUse } from '../../src/testing/index.js';
import type { ToolSpec } from '../../src/tools/types.js';

const push: ToolSpec = {
  name: 'github.push_files',
  description: 'WORKFLOW: get -> push. Push multiple files to a GitHub repository in a single commit. Creates the branch ref if missing. Long detail follows here.',
  inputSchema: {
    $schema: 'http://json-schema.org/draft-07/schema#',
    type: 'object',
    properties: {
      branch: { type: 'string', minLength: 1, description: 'Branch to push to. Must exist unless created by this call.' },
      files: { type: 'array', minItems: 1, items: { type: 'object', properties: { path: { type: 'string', maxLength: 200 } } } },
      count: { type: 'integer', minimum: Number.MIN_SAFE_INTEGER, maximum: Number.MAX_SAFE_INTEGER },
      idempotencyKey: { type: 'string', pattern: '^[a-z]+$', description: 'Stable key' },
    },
    required: ['branch', 'files', 'idempotencyKey'],
  },
};

describe('tool offer and compaction', () => {
  it('level 0 drops $schema, the ±2^53 bounds and runtime-filled parameters only', () => {
    const s = compactSchema(push.inputSchema);
    expect(s['$schema']).toBeUndefined();
    expect(Object.keys(s['properties'] as object)).toEqual(['branch', 'files', 'count']);
    expect(s['required']).toEqual(['branch', 'files']);
    expect((s['properties'] as Record<string, object>)['count']).toEqual({ type: 'integer' });
    expect((s['properties'] as Record<string, object>)['branch']).toEqual({ type: 'string', minLength: 1, description: 'Branch to push to. Must exist unless created by this call.' });
  });

  it('higher levels drop validation-only keywords and trim descriptions, never parameter names', () => {
    const l1 = compactSchema(push.inputSchema, 1);
    expect(JSON.stringify(l1)).not.toMatch(/minLength|maxLength|minItems/);
    const l3 = compactSchema(push.inputSchema, 3) as { properties: Record<string, { description?: string }> };
    expect(l3.properties['branch']!.description).toBe('Branch to push to.');
    const l4 = compactSchema(push.inputSchema, 4) as { properties: Record<string, { description?: string }> };
    expect(l4.properties['branch']).toEqual({ type: 'string' });
    expect(compactDescription(push.description, 0)).toBe(push.description);
    expect(compactDescription(push.description, 3)).toBe('Push multiple files to a GitHub repository in a single commit.');
  });

  it('cuts at sentence ends, not at the dots of e.g., file names or versions', () => {
    const deploy = 'Deploys a ref: writes service.config.json and health-checks /healthz (e.g. after a merge, v1.2 or later). Returns the rollout record.';
    expect(compactDescription(deploy, 3)).toBe('Deploys a ref: writes service.config.json and health-checks /healthz (e.g. after a merge, v1.2 or later).');
    expect(compactDescription('Values of one label, e.g. "service". Paginated.', 3)).toBe('Values of one label, e.g. "service".');
    expect(compactDescription('Where to roll back to, i.e. a release id; etc. and more', 3)).toBe('Where to roll back to, i.e. a release id; etc. and more');
    expect(compactSchema({ type: 'object', properties: { ref: { type: 'string', description: 'A git ref, e.g. a sha. Not a branch.' } } }, 2))
      .toMatchObject({ properties: { ref: { description: 'A git ref, e.g. a sha.' } } });
  });

  it('compacts only as far as needed to fit the fixed-context budget', () => {
    const final = finalAnswerTool(z.object({ ok: z.boolean() }));
    const tools = Array.from({ length: 6 }, (_, i) => ({ ...push, name: `github.push_files_${i}` }));
    const roomy = buildToolOffer(tools, () => true, final, 'system', 10_000);
    expect(roomy.compaction).toBe(0);
    const tight = buildToolOffer(tools, () => true, final, 'system', 700);
    expect(tight.compaction).toBeGreaterThan(0);
    expect(tight.fixedTokens).toBeLessThanOrEqual(700);
    const impossible = buildToolOffer(tools, () => true, final, 'system', 10);
    expect(impossible.compaction).toBe(4);
    expect(impossible.fixedTokens).toBeGreaterThan(10);
  });

  it('still validates arguments against the full schema after compaction', async () => {
    const calls: unknown[] = [];
    const toolset = { list: () => [push], call: async (_n: string, args: Record<string, unknown>) => (calls.push(args), { content: [{ type: 'text', text: 'ok' }] }) };
    const model = scriptedModel([
      [toolUse('github.push_files', { branch: '', files: [] })],
      [toolUse('github.push_files', { branch: 'hotfix/pool', files: [{ path: 'config.json' }], idempotencyKey: 'chosen-by-the-model' })],
      [toolUse('final_answer', { ok: true })],
    ]);
    const p = persona({ name: 'b', description: 'd', instructions: 'i', tools: ['github.*'], budget: { tokens: 10_000, turns: 4, toolCalls: 3 }, output: z.object({ ok: z.boolean() }), model, toolset, limits: { maxFixedContextTokens: 150 } });
    await run(p, { incident: {} });
    expect(JSON.stringify(model.requests[0]!.tools[0])).not.toMatch(/idempotencyKey|minLength/);
    const result = model.requests[1]!.messages.at(-1)!.content[0] as { content: string };
    expect(result.content).toMatch(/invalid arguments for github__push_files: arguments\/branch must NOT have fewer than 1 characters/);
    // The model's own idempotencyKey is dropped: the runtime supplies the journal's key instead.
    expect(calls).toEqual([{ branch: 'hotfix/pool', files: [{ path: 'config.json' }] }]);
  });

  it('globs: * stays within a segment, ** crosses dots', () => {
    const allow = compileAllowlist(['grafana.query_*', 'deploy.*']);
    expect(['grafana.query_prometheus', 'grafana.list_datasources', 'deploy.rollback', 'deploy.x.y'].map(allow)).toEqual([true, false, true, false]);
    expect(globToRegExp('**').test('a.b.c')).toBe(true);
    expect(globToRegExp('github.?et_*').test('github.get_file_contents')).toBe(true);
  });
});
