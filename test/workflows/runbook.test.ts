import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EscalationError } from '../../src/models/errors.js';
import { playbookModel } from '../../src/models/playbook/index.js';
import { text, toolUse } from '../../src/models/protocol.js';
import type { ModelRequest } from '../../src/models/types.js';
import { loadPlaybookFile, loadPlaybooks, PlaybookFileError } from '../../src/workflows/playbooks.js';
import { compileRunbook, runbookSchema, RunbookReferenceError } from '../../src/workflows/runbook.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

const rb = runbookSchema.parse({
  name: 'triage',
  steps: [{ id: 'metrics', calls: [{ tool: 'grafana.query_prometheus', args: { expr: 'up{job="{{input.incident.job}}"}' }, saveAs: 'up' }] }],
  severity: [{ when: [{ fact: 'up.value', eq: 0 }], severity: 'p0' }, { severity: 'p3' }],
  procedures: [
    {
      id: 'down', when: [{ fact: 'up.value', eq: 0 }],
      steps: [{ id: 'logs', calls: [{ tool: 'grafana.query_loki_logs', args: { logql: '{job="x"}' }, saveAs: 'logs' }] }],
      failures: [{ when: [{ fact: '$errors.logs', exists: true }], escalate: 'logs unavailable: {{$errors.logs}}' }],
      answer: { summary: 'down: {{logs.line}}', query: '{{$call.up.expr}}' },
    },
    { id: 'up', when: [{ fact: 'up.value', eq: 1 }], answer: { summary: 'up' } },
  ],
  otherwise: 'no idea',
});

const offered = ['grafana__query_prometheus', 'grafana__query_loki_logs', 'final_answer'].map((name) => ({ name, description: '', inputSchema: {} }));
const handoff = (incident: Record<string, unknown>): string => `<handoff>\n${JSON.stringify({ incident, previous: {} })}\n</handoff>`;

/** Drives a compiled playbook by hand: each call's result is given by `results`. */
async function drive(incident: Record<string, unknown>, results: Record<string, { text: string; error?: boolean }>) {
  const model = playbookModel(compileRunbook(rb));
  const req: ModelRequest = { system: '', tools: offered, maxTokens: 100, messages: [{ role: 'user', content: [text(handoff(incident))] }] };
  for (let turn = 0; turn < 6; turn++) {
    const res = await model.generate(req);
    req.messages.push({ role: 'assistant', content: res.content });
    const uses = res.content.filter((b) => b.type === 'tool_use');
    if (uses.some((u) => u.type === 'tool_use' && u.name === 'final_answer')) return uses[0]!.type === 'tool_use' ? uses[0]!.input : undefined;
    req.messages.push({ role: 'user', content: uses.map((u) => {
      const name = u.type === 'tool_use' ? u.name : '';
      const r = results[name]!;
      return { type: 'tool_result' as const, tool_use_id: u.type === 'tool_use' ? u.id : '', content: r.text, ...(r.error ? { is_error: true } : {}) };
    }) });
  }
  throw new Error('no answer');
}

describe('runbook compiler', () => {
  it('runs the common steps, then the matching procedure step by step, then answers with the cited query', async () => {
    const answer = await drive({ job: 'api', severity: 'p1' }, { grafana__query_prometheus: { text: '{"value":0}' }, grafana__query_loki_logs: { text: '{"line":"crash"}' } });
    expect(answer).toEqual({ summary: 'down: crash', query: 'up{job="api"}', severity: 'p1' });
  });

  it('takes the severity from the severity rules when the incident has none', async () => {
    expect(await drive({ job: 'api' }, { grafana__query_prometheus: { text: '{"value":1}' } })).toEqual({ summary: 'up', severity: 'p3' });
  });

  it('a failure of a started procedure escalates with the tool\'s error', async () => {
    await expect(drive({ job: 'api', severity: 'p1' }, { grafana__query_prometheus: { text: '{"value":0}' }, grafana__query_loki_logs: { text: 'loki down', error: true } }))
      .rejects.toThrow(/logs unavailable: loki down/);
  });

  it('escalates with `otherwise` when no procedure matches', async () => {
    await expect(drive({ job: 'api', severity: 'p1' }, { grafana__query_prometheus: { text: '{"value":7}' } })).rejects.toThrow(EscalationError);
    await expect(drive({ job: 'api', severity: 'p1' }, { grafana__query_prometheus: { text: '{"value":7}' } })).rejects.toThrow(/no idea/);
  });

  it('refuses a {{$call...}} that names no saved call', () => {
    const bad = runbookSchema.parse({ name: 'x', procedures: [{ id: 'p', when: [{ fact: 'a', exists: true }], answer: { q: '{{$call.nope.expr}}' } }], otherwise: 'o' });
    expect(() => compileRunbook(bad)).toThrow(RunbookReferenceError);
  });

  it('reports a bad runbook file with the file and the field', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'firebreak-rb-'));
    dirs.push(dir);
    const file = join(dir, 'bad.yaml');
    await writeFile(file, 'name: bad\nprocedures:\n  - id: p\n    when: []\n    answer: {}\notherwise: x\n');
    const err = await loadPlaybookFile(file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PlaybookFileError);
    expect((err as PlaybookFileError).message).toContain(file);
    expect((err as PlaybookFileError).issues.join()).toMatch(/procedures\.0\.when: /);
    await writeFile(file, 'name: bad\nprocedures:\n  - id: p\n    when: [{ fact: "x", gt: "nope" }]\n    answer: {}\notherwise: x\n');
    expect(((await loadPlaybookFile(file).catch((e: unknown) => e)) as Error).message).toMatch(/gt/);
  });

  it('ships a valid playbook for each persona of the workflow', async () => {
    const all = await loadPlaybooks();
    expect(Object.keys(all).sort()).toEqual(['backend', 'devops', 'observability']);
    // The rules reason from tool results (facts), never from an incident or scenario name.
    expect(JSON.stringify(all)).not.toMatch(/pool-exhaustion"|scenario/);
    const first = playbookModel(all.observability!);
    const res = await first.generate({ system: '', tools: [...offered, { name: 'grafana__alerting_manage_rules', description: '', inputSchema: {} }], maxTokens: 10, messages: [{ role: 'user', content: [text(handoff({ service: 's', window: '1m', logSelector: '{job="s"}' }))] }] });
    expect(res.content.filter((b) => b.type === 'tool_use')).toHaveLength(16);
    expect(toolUse('a.b', {}).name).toBe('a__b');
  });
});
