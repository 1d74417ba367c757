import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EscalationError, playbookModel, PLAYBOOK_LABEL, type PlaybookInput } from '../../src/models/index.js';
import { persona } from '../../src/personas/index.js';
import { InvalidOptionsError, run } from '../../src/primitives/index.js';
import { assessment, incident, quiet } from '../personas/helpers/fixtures.js';
import { startTestTools, type TestTools } from '../personas/helpers/mcp-toolset.js';

let tools: TestTools;
beforeAll(async () => {
  tools = await startTestTools();
});
afterAll(async () => {
  await tools.close();
});

const triage: PlaybookInput = {
  name: 'triage',
  description: 'Quantify the error rate and read the logs, then assess.',
  rules: [
    {
      id: 'measure',
      description: 'error rate and error logs, in parallel',
      then: {
        calls: [
          { tool: 'grafana.query_prometheus', args: { expr: 'sum(rate(http_requests_total{service="{{input.incident.service}}",status="500"}[5m]))' }, saveAs: 'errors' },
          { tool: 'grafana.query_loki_logs', args: { logql: '{service="{{input.incident.service}}"} |= "error"', limit: 100 }, saveAs: 'logs' },
        ],
      },
    },
    {
      id: 'critical',
      when: [{ fact: 'errors.result[0].value[1]', gt: 0.05 }, { fact: 'logs.msg', matches: 'connection timeout' }],
      then: { answer: { severity: 'p1', summary: '{{input.incident.alert}}: {{logs.msg}} ({{logs.pool}} pool)', errorRate: '{{errors.result[0].value[1] | number}}' } },
    },
    {
      id: 'minor',
      when: [{ fact: 'errors.result[0].value[1]', lte: 0.05 }],
      then: { answer: { severity: 'p3', summary: 'error rate below threshold', errorRate: 0 } },
    },
  ],
};

const budget = { tokens: 10_000, turns: 5, toolCalls: 5 };
const obs = (pb: PlaybookInput, allow = ['grafana.query_*'], output = assessment) =>
  persona({ name: 'observability', description: 'd', instructions: 'i', tools: allow, budget, output, model: playbookModel(pb), toolset: tools.toolset });

describe('playbookModel', () => {
  it('chooses tool calls from facts and assembles the final answer from tool results', async () => {
    const model = playbookModel(triage);
    expect(model.label).toBe(PLAYBOOK_LABEL);
    expect(model.id).toBe('playbook:triage');
    const events: { name: string; data: Record<string, unknown> }[] = [];
    const out = await run(obs(triage), { incident }, { onEvent: (e) => e.type === 'custom' && events.push(e) });
    // errorRate arrives as Prometheus' string "0.15"; the | number filter makes it the number the schema wants.
    expect(out).toEqual({ severity: 'p1', summary: 'APIErrorRateHigh: Database connection timeout (exhausted pool)', errorRate: 0.15 });
    const calls = tools.calls.filter((c) => JSON.stringify(c.args).includes('service=\\"api\\"'));
    expect(calls.map((c) => c.name).sort()).toEqual(['grafana.query_loki_logs', 'grafana.query_prometheus']);
    expect(events.find((e) => e.name === 'persona.result')!.data).toMatchObject({ label: 'playbook (no LLM)', usage: { tokens: 0, turns: 2 } });
  });

  it('escalates when no rule matches, naming the known facts', async () => {
    const pb: PlaybookInput = { name: 'narrow', rules: [{ id: 'only-p0', when: [{ fact: 'input.incident.priority', eq: 'p0' }], then: { escalate: 'page everyone' } }] };
    const err = await run(obs(pb), { incident }, { logger: quiet }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EscalationError);
    expect((err as Error).message).toBe("playbook 'narrow': no rule matches after 0 turn(s); escalating to a human (known facts: input)");
  });

  it('escalates explicitly with a templated reason', async () => {
    const pb: PlaybookInput = { name: 'p0', rules: [{ id: 'page', when: [{ fact: 'input.incident.alert', exists: true }], then: { escalate: '{{input.incident.alert}} needs a human' } }] };
    await expect(run(obs(pb), { incident }, { logger: quiet })).rejects.toThrow("playbook 'p0': rule 'page': APIErrorRateHigh needs a human; escalating");
  });

  it('never guesses: a template naming an unknown fact, or a tool not offered, escalates', async () => {
    const missing: PlaybookInput = { name: 'm', rules: [{ id: 'q', then: { call: { tool: 'grafana.query_prometheus', args: { expr: '{{input.incident.metric}}' } } } }] };
    await expect(run(obs(missing), { incident }, { logger: quiet })).rejects.toThrow(/rule 'q' needs facts that are not known: input\.incident\.metric/);
    const forbidden: PlaybookInput = { name: 'f', rules: [{ id: 'merge', then: { call: { tool: 'github.merge_pull_request', args: { owner: 'o', repo: 'r', pullNumber: 1 } } } }] };
    await expect(run(obs(forbidden), { incident }, { logger: quiet })).rejects.toThrow(/needs tool 'github\.merge_pull_request', which is not offered/);
    const typo: PlaybookInput = { name: 't', rules: [{ id: 'q', then: { call: { tool: 'grafana.query_prometheus', args: { expr: '{{input.incident.service | upper}}' } } } }] };
    await expect(run(obs(typo), { incident }, { logger: quiet })).rejects.toThrow(/rule 'q': unknown template filter 'upper'/);
  });

  it('escalates when its final answer is rejected instead of repeating it', async () => {
    const pb: PlaybookInput = { name: 'sloppy', rules: [{ id: 'answer', maxFires: 5, then: { answer: { severity: 'sev1', summary: 'x', errorRate: 1 } } }] };
    await expect(run(obs(pb), { incident }, { logger: quiet })).rejects.toThrow(/its final answer was rejected: Invalid final answer: severity/);
  });

  it('polls with maxFires until a condition holds, reading error results', async () => {
    const pb: PlaybookInput = {
      name: 'poll',
      rules: [
        { id: 'done', when: [{ fact: '$fired.probe', gte: 2 }], then: { answer: { severity: 'p2', summary: 'probe failed {{$fired.probe}} times: {{$errors.probe}}', errorRate: 0 } } },
        { id: 'probe', maxFires: 3, when: [{ any: [{ fact: 'probe', exists: false }, { fact: '$errors.probe', exists: true }] }], then: { call: { tool: 'grafana.failing_query', args: { expr: 'up' }, saveAs: 'probe' } } },
      ],
    };
    await expect(run(obs(pb, ['grafana.*']), { incident })).resolves.toEqual({ severity: 'p2', summary: 'probe failed 2 times: datasource unavailable', errorRate: 0 });
  });

  it('validates playbooks, naming the bad field', () => {
    expect(() => playbookModel({ name: 'x', rules: [{ id: 'a', then: { call: { tool: '', args: {} } } }] })).toThrow(InvalidOptionsError);
    expect(() => playbookModel({ name: 'x', rules: [{ id: 'a', then: { call: { tool: '', args: {} } } }] })).toThrow(/rules\.0\.then/);
    expect(() => playbookModel({ name: 'x', rules: [{ id: 'a', when: [{ fact: 'x' }], then: { escalate: 'e' } }] })).toThrow(/rules\.0\.when\.0/);
    expect(() => playbookModel({ name: 'x', rules: [{ id: 'a', then: { escalate: 'e' } }, { id: 'a', then: { escalate: 'e' } }] })).toThrow(/rules\.1\.id: duplicate rule id 'a'/);
  });
});
