import { describe, expect, it } from 'vitest';
import { backend, builtinToolCatalog, devops, measureFixedContext, observability } from '../../src/personas/index.js';
import { playbookModel } from '../../src/models/index.js';
import { run } from '../../src/primitives/index.js';
import type { ToolSet } from '../../src/tools/types.js';
import { incident } from './helpers/fixtures.js';

const personas = { observability: observability(), backend: backend(), devops: devops() };
const writes = new Set(builtinToolCatalog.filter((t) => t.annotations?.readOnlyHint !== true).map((t) => t.name));

describe('built-in personas', () => {
  it('keep their fixed context (system prompt + offered tool definitions) within 2,000 tokens', () => {
    for (const p of Object.values(personas)) {
      const size = measureFixedContext(p, builtinToolCatalog);
      expect(size.tokens, `${size.persona}: ${size.systemTokens} system + ${size.toolTokens} tools`).toBeLessThanOrEqual(2_000);
      expect(size.tokens).toBe(size.systemTokens + size.toolTokens);
    }
  });

  it('allowlist the right tools for each job', () => {
    const offered = (name: keyof typeof personas) => measureFixedContext(personas[name], builtinToolCatalog).tools;
    const obs = offered('observability');
    expect(obs).toEqual(expect.arrayContaining(['grafana.query_prometheus', 'grafana.query_loki_logs', 'grafana.alerting_manage_rules', 'grafana.list_datasources']));
    expect(obs.filter((t) => writes.has(t))).toEqual([]); // observability is read-only
    const be = offered('backend');
    expect(be).toEqual(expect.arrayContaining(['github.create_branch', 'github.create_pull_request', 'sandbox.run_command', 'github.get_file_contents']));
    expect(be).not.toContain('github.merge_pull_request');
    expect(be.some((t) => t.startsWith('deploy.'))).toBe(false);
    const ops = offered('devops');
    expect(ops).toEqual(expect.arrayContaining(['github.merge_pull_request', 'deploy.deploy_service', 'deploy.rollback', 'deploy.rollout_status', 'deploy.maintenance_mode', 'grafana.query_prometheus']));
    expect(ops.some((t) => t.startsWith('sandbox.') || t === 'github.create_pull_request')).toBe(false);
  });

  it('are overridable and run with any model (here a playbook over the catalog tools)', async () => {
    const toolset: ToolSet = {
      list: () => [...builtinToolCatalog],
      call: async (name, args) => ({ content: [{ type: 'text', text: JSON.stringify({ tool: name, args, resultType: 'vector', result: [{ value: [0, '0.15'] }] }) }] }),
    };
    const model = playbookModel({
      name: 'observability',
      rules: [
        { id: 'errors', then: { call: { tool: 'grafana.query_prometheus', args: { expr: 'sum(rate(http_requests_total{status=~"5.."}[5m])) / sum(rate(http_requests_total[5m]))' }, saveAs: 'errors' } } },
        {
          id: 'assess',
          when: [{ fact: 'errors.result[0].value[1]', gt: 0.05 }],
          then: { answer: {
            severity: 'p1', summary: 'Error rate {{errors.result[0].value[1] | percent}}% on {{input.incident.service}}', rootCauseHypothesis: 'unknown: needs logs',
            evidence: [{ source: 'metrics', query: '{{errors.args.expr}}', finding: 'error ratio {{errors.result[0].value[1]}}' }],
            affected: { service: '{{input.incident.service}}', endpoints: ['{{input.incident.endpoint}}'], errorRate: '{{errors.result[0].value[1] | number}}' },
          } },
        },
      ],
    });
    const p = observability({ model, toolset, budget: { tokens: 1_000, turns: 3, toolCalls: 2 } });
    expect(p.definition.budget.turns).toBe(3);
    const out = await run(p, { incident });
    expect(out).toMatchObject({ severity: 'p1', summary: 'Error rate 15% on api', affected: { service: 'api', endpoints: ['/api/workflows/execute'], errorRate: 0.15 } });
    expect(out.evidence[0]!.query).toContain('http_requests_total');
  });
});
