import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EscalationError } from '../../src/models/errors.js';
import { holds } from '../../src/models/playbook/conditions.js';
import { deriveFacts } from '../../src/models/playbook/facts.js';
import { playbookModel, type PlaybookInput } from '../../src/models/playbook/index.js';
import { playbookSchema } from '../../src/models/playbook/schema.js';
import { text } from '../../src/models/protocol.js';
import type { ContentBlock, ModelRequest } from '../../src/models/types.js';
import { InvalidOptionsError } from '../../src/primitives/index.js';
import { loadPlaybookFile, PlaybookFileError } from '../../src/workflows/playbooks.js';
import { compileRunbook, runbookSchema, type RunbookInput } from '../../src/workflows/runbook.js';

// How runbooks use expressions: `derive` at playbook, rule and procedure level, and `{ expr }` conditions.

const offered = ['grafana__query_prometheus', 'deploy__rollout_status', 'final_answer'].map((name) => ({ name, description: '', inputSchema: {} }));
const handoff = (input: Record<string, unknown>): string => `<handoff>\n${JSON.stringify(input)}\n</handoff>`;
const vector = (value: string): string => JSON.stringify({ resultType: 'vector', result: [{ metric: {}, value: [1795408612.1, value] }] });

/**
 * Drives a playbook model by hand: tool results come from `results` by wire name (a function gets the call's
 * input). Returns the final answer, or rejects with the model's EscalationError.
 */
async function drive(pb: PlaybookInput, input: Record<string, unknown>, results: Record<string, string | ((args: Record<string, unknown>) => string)>): Promise<{ answer: unknown; calls: { name: string; input: Record<string, unknown> }[] }> {
  const model = playbookModel(pb);
  const req: ModelRequest = { system: '', tools: offered, maxTokens: 100, messages: [{ role: 'user', content: [text(handoff(input))] }] };
  const calls: { name: string; input: Record<string, unknown> }[] = [];
  for (let turn = 0; turn < 10; turn++) {
    const res = await model.generate(req);
    req.messages.push({ role: 'assistant', content: res.content });
    const uses = res.content.filter((b): b is Extract<ContentBlock, { type: 'tool_use' }> => b.type === 'tool_use');
    const final = uses.find((u) => u.name === 'final_answer');
    if (final) return { answer: final.input, calls };
    req.messages.push({ role: 'user', content: uses.map((u) => {
      calls.push({ name: u.name, input: u.input as Record<string, unknown> });
      const r = results[u.name]!;
      return { type: 'tool_result' as const, tool_use_id: u.id, content: typeof r === 'function' ? r(u.input as Record<string, unknown>) : r };
    }) });
  }
  throw new Error('no answer after 10 turns');
}

describe('expressions in playbooks', () => {
  it('playbook derive runs in order (a later fact reads an earlier one) over tool results, and answers template them', async () => {
    const pb: PlaybookInput = {
      name: 'capacity',
      derive: {
        demand: 'sample(rate) * sample(latency)',
        newSize: 'max(ceil(demand * 1.5), input.pool + 1)',
        effect: 'concat("pool ", input.pool, " -> ", newSize, ": ", fmt(demand, 0), " in flight")',
      },
      rules: [
        { id: 'measure', then: { calls: [
          { tool: 'grafana.query_prometheus', args: { expr: 'rate' }, saveAs: 'rate' },
          { tool: 'grafana.query_prometheus', args: { expr: 'latency' }, saveAs: 'latency' },
        ] } },
        { id: 'grow', when: [{ expr: 'demand > input.pool * 0.9' }], then: { answer: { size: '{{newSize}}', effect: '{{effect}}' } } },
        { id: 'fine', when: [{ expr: 'demand <= input.pool * 0.9' }], then: { answer: { size: '{{input.pool}}' } } },
      ],
    };
    const results = { grafana__query_prometheus: (a: Record<string, unknown>) => vector(a.expr === 'rate' ? '40' : '0.7') };
    expect((await drive(pb, { pool: 24 }, results)).answer).toEqual({ size: 42, effect: 'pool 24 -> 42: 28 in flight' });
    expect((await drive(pb, { pool: 40 }, results)).answer).toEqual({ size: 40 });
  });

  it('a derived fact is undefined while its inputs are missing: the rule comparing it does not fire, and no rule guessing it does', async () => {
    const pb: PlaybookInput = {
      name: 'gap',
      derive: { demand: 'sample(rate) * 2' },
      rules: [
        { id: 'measure', then: { call: { tool: 'grafana.query_prometheus', args: { expr: 'rate' }, saveAs: 'rate' } } },
        { id: 'high', when: [{ expr: 'demand > 10' }], then: { answer: { high: true } } },
        { id: 'low', when: [{ expr: 'demand <= 10' }], then: { answer: { high: false } } },
      ],
    };
    // No series at all: neither high nor low holds, and the playbook escalates instead of choosing one.
    await expect(drive(pb, {}, { grafana__query_prometheus: JSON.stringify({ resultType: 'vector', result: [] }) })).rejects.toThrow(EscalationError);
    await expect(drive(pb, {}, { grafana__query_prometheus: JSON.stringify({ resultType: 'vector', result: [] }) })).rejects.toThrow(/no rule matches after 1 turn/);
  });

  it('rule derive is seen by that rule\'s conditions and action only, after the playbook derive', async () => {
    const pb: PlaybookInput = {
      name: 'scoped',
      derive: { base: 'input.x * 10' },
      rules: [
        { id: 'first', derive: { local: 'base + 1' }, when: [{ expr: 'local == 31' }], maxFires: 1, then: { call: { tool: 'deploy.rollout_status', args: { note: '{{local}}' }, saveAs: 'status' } } },
        // `local` belongs to 'first': here it is missing, so this rule cannot fire...
        { id: 'leak', when: [{ expr: 'exists(local)' }], then: { answer: { leaked: '{{local}}' } } },
        { id: 'done', when: [{ fact: 'status', exists: true }], then: { answer: { base: '{{base}}' } } },
      ],
    };
    const { answer, calls } = await drive(pb, { x: 3 }, { deploy__rollout_status: '{"ok":true}' });
    expect(calls).toEqual([{ name: 'deploy__rollout_status', input: { note: 31 } }]);
    expect(answer).toEqual({ base: 30 });
  });

  it('deriveFacts computes derive facts alongside $turn, $fired and $errors', () => {
    const pb = playbookSchema.parse({ name: 'p', derive: { turns: '$turn * 1', twice: 'input.n * 2', none: 'nothing + 1' }, rules: [{ id: 'r', then: { answer: {} } }] });
    const facts = deriveFacts(pb, { system: '', tools: [], maxTokens: 1, messages: [{ role: 'user', content: [text(handoff({ n: 4 }))] }] });
    expect(facts.values).toMatchObject({ turns: 0, twice: 8, $fired: {}, $errors: {} });
    expect(facts.values).toHaveProperty('none', undefined);
  });

  it('{ expr } conditions hold only for true: 1, "yes" and undefined do not hold; all/any/not compose with them', () => {
    expect(holds({ expr: 'a > 1' }, { a: '2' })).toBe(true);
    expect(holds({ expr: 'a' }, { a: 1 })).toBe(false);
    expect(holds({ expr: 'a' }, { a: 'yes' })).toBe(false);
    expect(holds({ expr: 'a > 1' }, {})).toBe(false);
    expect(holds({ not: { expr: 'a > 1' } }, {})).toBe(true); // `not` of "unknown" holds: write exists() when that matters
    expect(holds({ all: [{ expr: 'a > 1' }, { fact: 'b', eq: 'x' }] }, { a: 5, b: 'x' })).toBe(true);
    expect(holds({ any: [{ expr: 'a > 10' }, { expr: 'b == "x"' }] }, { a: 5, b: 'x' })).toBe(true);
  });

  it('a bad expression is refused when the playbook is built, naming the field and the problem', () => {
    const bad = (pb: PlaybookInput, field: RegExp): void => {
      expect(() => playbookModel(pb)).toThrow(InvalidOptionsError);
      expect(() => playbookModel(pb)).toThrow(field);
    };
    bad({ name: 'a', derive: { demand: 'sample(rate) *' }, rules: [{ id: 'r', then: { answer: {} } }] }, /derive\.demand.*expected a number, a fact or a function but found the end at 15/s);
    bad({ name: 'b', rules: [{ id: 'r', derive: { n: 'ceiling(1)' }, then: { answer: {} } }] }, /rules\.0\.derive\.n.*unknown function 'ceiling'/s);
    bad({ name: 'c', rules: [{ id: 'r', when: [{ expr: 'a >' }], then: { answer: {} } }] }, /rules\.0\.when\.0/);
    bad({ name: 'd', derive: { 'bad-name': '1' }, rules: [{ id: 'r', then: { answer: {} } }] }, /derive\.bad-name.*letters, digits and _ only/s);
    bad({ name: 'e', derive: { x: '' }, rules: [{ id: 'r', then: { answer: {} } }] }, /derive\.x/);
  });
});

describe('expressions in runbooks', () => {
  const runbook: RunbookInput = {
    name: 'rb',
    derive: { usage: 'sample(used) / sample(max)' },
    steps: [{ id: 'measure', calls: [
      { tool: 'grafana.query_prometheus', args: { expr: 'used' }, saveAs: 'used' },
      { tool: 'grafana.query_prometheus', args: { expr: 'max' }, saveAs: 'max' },
    ] }],
    procedures: [
      {
        id: 'grow',
        derive: { newMax: 'ceil(sample(max) * usage * 2)', why: 'concat("usage ", pct(usage))' },
        when: [{ expr: 'usage >= 0.9' }],
        steps: [{ id: 'check', when: [{ expr: 'newMax > 0' }], calls: [{ tool: 'deploy.rollout_status', args: { note: '{{why}}', to: '{{newMax}}' }, saveAs: 'status' }] }],
        failures: [{ when: [{ fact: '$errors.status', exists: true }], escalate: 'could not read the rollout ({{why}}, wanted {{newMax}})' }],
        answer: { newMax: '{{newMax}}', why: '{{why}}' },
      },
      { id: 'idle', when: [{ expr: 'usage < 0.9' }], answer: { why: '{{usage}}' } },
    ],
    otherwise: 'no usage figure',
  };
  const measure = (used: string) => (a: Record<string, unknown>) => vector(a.expr === 'used' ? used : '10');

  it("a procedure's derive reaches its gate, its steps, its failures and its answer", async () => {
    const pb = compileRunbook(runbookSchema.parse(runbook));
    const { answer, calls } = await drive(pb, {}, { grafana__query_prometheus: measure('9.5'), deploy__rollout_status: '{"ok":true}' });
    expect(calls.at(-1)).toEqual({ name: 'deploy__rollout_status', input: { note: 'usage 95%', to: 19 } });
    expect(answer).toEqual({ newMax: 19, why: 'usage 95%' });
    const rules = pb.rules.filter((r) => r.id.startsWith('grow-'));
    expect(rules.map((r) => r.id)).toEqual(['grow-failure-1', 'grow-check', 'grow-answer']);
    for (const r of rules) expect(r.derive, r.id).toEqual(runbook.procedures[0]!.derive);
    // ...and only its own: the other procedure and the common steps get none.
    expect(pb.rules.filter((r) => !r.id.startsWith('grow-')).every((r) => r.derive === undefined)).toBe(true);
  });

  it("a procedure's failure rule templates the procedure's derived facts", async () => {
    const pb = compileRunbook(runbookSchema.parse(runbook));
    const results = { grafana__query_prometheus: measure('10'), deploy__rollout_status: () => { throw new Error('unused'); } };
    const model = playbookModel(pb);
    const req: ModelRequest = { system: '', tools: offered, maxTokens: 100, messages: [{ role: 'user', content: [text(handoff({}))] }] };
    const turns: string[] = [];
    const escalation = (async () => {
      for (;;) {
        const res = await model.generate(req);
        req.messages.push({ role: 'assistant', content: res.content });
        const uses = res.content.filter((b): b is Extract<ContentBlock, { type: 'tool_use' }> => b.type === 'tool_use');
        turns.push(uses.map((u) => u.name).join(','));
        req.messages.push({ role: 'user', content: uses.map((u) => (u.name === 'deploy__rollout_status'
          ? { type: 'tool_result' as const, tool_use_id: u.id, content: 'deployer unreachable', is_error: true }
          : { type: 'tool_result' as const, tool_use_id: u.id, content: results.grafana__query_prometheus(u.input as Record<string, unknown>) })) });
      }
    })();
    await expect(escalation).rejects.toThrow(/rule 'grow-failure-1': could not read the rollout \(usage 100%, wanted 20\)/);
    expect(turns).toEqual(['grafana__query_prometheus,grafana__query_prometheus', 'deploy__rollout_status']);
  });

  it('the runbook derive feeds procedure gates; missing data falls through to `otherwise`', async () => {
    const pb = compileRunbook(runbookSchema.parse(runbook));
    expect((await drive(pb, {}, { grafana__query_prometheus: measure('2') })).answer).toEqual({ why: 0.2 });
    await expect(drive(pb, {}, { grafana__query_prometheus: JSON.stringify({ result: [] }) })).rejects.toThrow(/no usage figure/);
  });

  describe('a bad expression in a runbook file is refused at load, naming the file and the field', () => {
    const dirs: string[] = [];
    afterEach(async () => {
      for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
    });
    const load = async (yaml: string): Promise<PlaybookFileError> => {
      const dir = await mkdtemp(join(tmpdir(), 'fb-derive-'));
      dirs.push(dir);
      const file = join(dir, 'rb.yaml');
      await writeFile(file, yaml);
      const err = await loadPlaybookFile(file).then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(PlaybookFileError);
      expect((err as PlaybookFileError).message).toContain(file);
      return err as PlaybookFileError;
    };
    const base = (extra: { derive?: string; procDerive?: string; when?: string }): string => [
      'name: rb',
      ...(extra.derive ? ['derive:', `  ${extra.derive}`] : []),
      'procedures:',
      '  - id: p',
      ...(extra.procDerive ? ['    derive:', `      ${extra.procDerive}`] : []),
      `    when: [${extra.when ?? '{ expr: "true" }'}]`,
      '    answer: { ok: true }',
      'otherwise: none',
    ].join('\n');

    it('in the runbook derive', async () => {
      const err = await load(base({ derive: 'demand: "sample(rate) * * 2"' }));
      expect(err.issues).toEqual([expect.stringMatching(/^derive\.demand: expected a number, a fact or a function but found '\*' at 16 in 'sample\(rate\) \* \* 2'$/)]);
    });

    it('in a procedure derive', async () => {
      const err = await load(base({ procDerive: 'n: "round(1, "' }));
      expect(err.issues).toEqual([expect.stringMatching(/^procedures\.0\.derive\.n: expected a number, a fact or a function but found the end/)]);
    });

    it('in a condition (the union of condition shapes reports the expression branch)', async () => {
      const err = await load(base({ when: '{ expr: "usage >= " }' }));
      expect(err.issues).toEqual([expect.stringMatching(/^procedures\.0\.when\.0\.expr: expected a number, a fact or a function but found the end at 10 in 'usage >= '$/)]);
    });

    it('a derived name expressions cannot read', async () => {
      const err = await load(base({ procDerive: '"new-size": "1"' }));
      expect(err.issues.join('\n')).toMatch(/procedures\.0\.derive\.new-size: letters, digits and _ only/);
    });
  });
});
