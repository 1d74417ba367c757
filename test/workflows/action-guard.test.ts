import { describe, expect, it } from 'vitest';
import { run, step } from '../../src/index.js';
import type { Context } from '../../src/primitives/types.js';
import type { ToolResult, ToolSet, ToolSpec } from '../../src/tools/types.js';
import { guardActions, target, type ActionScope } from '../../src/workflows/action-guard.js';

const MERGE_SHA = 'f00dfeed'.repeat(5);
const GOOD = { releaseId: 'r1', revision: 'abcdef0123456789abcdef0123456789abcdef01', version: '1.4.2' };

const ok = (data: Record<string, unknown>): ToolResult => ({ content: [{ type: 'text', text: JSON.stringify(data) }], structuredContent: data });

/** The GitHub and deploy tools the devops persona acts with; `mergeFails` makes merges answer with an error. */
function devopsTools(o: { mergeFails?: boolean; mergeText?: boolean } = {}): ToolSet & { calls: string[] } {
  const names = ['github.merge_pull_request', 'deploy.deploy_service', 'deploy.rollback', 'deploy.rollout_status', 'deploy.maintenance_mode'];
  const calls: string[] = [];
  return {
    calls,
    list: () => names.map((name): ToolSpec => ({ name, description: name, inputSchema: { type: 'object' } })),
    async call(name, args) {
      calls.push(`${name} ${JSON.stringify(args)}`);
      if (name === 'github.merge_pull_request') {
        if (o.mergeFails) return { content: [{ type: 'text', text: '405 Pull Request is not mergeable' }], isError: true };
        const data = { sha: MERGE_SHA, merged: true, message: 'Pull Request successfully merged' };
        return o.mergeText ? { content: [{ type: 'text', text: JSON.stringify(data) }] } : ok(data);
      }
      return ok({ outcome: 'succeeded', tool: name });
    },
  };
}

/** Runs the calls through the guard in a devops persona's turn; returns results and the 'tool.refused' events. */
async function through(inner: ToolSet, scope: ActionScope, calls: [string, Record<string, unknown>][]): Promise<{ results: ToolResult[]; refused: Record<string, unknown>[] }> {
  const guarded = guardActions(inner, scope);
  const refused: Record<string, unknown>[] = [];
  const results = await run(step('devops', async (_: unknown, ctx: Context) => ctx.run(step('turn-1', async (_i: unknown, turn: Context) => {
    const out: ToolResult[] = [];
    for (const [name, args] of calls) out.push(await guarded.call(name, args, { ctx: turn }));
    return out;
  }), undefined)), undefined, { onEvent: (e) => { if (e.type === 'custom' && e.name === 'tool.refused') refused.push(e.data); } });
  return { results, refused };
}

const reason = (r: ToolResult | undefined): string | undefined => (r?.structuredContent?.refusedByActionGuard ? String(r.structuredContent.reason) : undefined);

describe('action guard: merge', () => {
  it("merges only the incident's own pull request (numbers as text count)", async () => {
    const tools = devopsTools();
    const { results, refused } = await through(tools, { pullRequest: 7 }, [
      ['github.merge_pull_request', { owner: 'acme', repo: 'api', pullNumber: 8 }],
      ['github.merge_pull_request', { owner: 'acme', repo: 'api', pullNumber: '7' }],
    ]);
    expect(reason(results[0])).toBe("only this incident's pull request #7 may be merged, not #8");
    expect(results[0]!.content[0]).toMatchObject({ text: "refused: only this incident's pull request #7 may be merged, not #8." });
    expect(results[1]!.isError).toBeUndefined();
    expect(tools.calls).toHaveLength(1);
    expect(refused).toEqual([{ persona: 'devops', tool: 'github.merge_pull_request', reason: expect.stringContaining('#7'), guard: 'action' }]);
  });

  it('merges nothing when the incident opened no pull request', async () => {
    const tools = devopsTools();
    const { results } = await through(tools, {}, [['github.merge_pull_request', { pullNumber: 7 }], ['github.merge_pull_request', {}]]);
    for (const r of results) expect(reason(r)).toBe('this incident opened no pull request: nothing may be merged');
    expect(tools.calls).toEqual([]);
  });
});

describe('action guard: deploy', () => {
  it('deploys only the commit its merge produced, and only after the merge', async () => {
    const tools = devopsTools();
    const { results } = await through(tools, { pullRequest: 7 }, [
      ['deploy.deploy_service', { ref: MERGE_SHA }],
      ['github.merge_pull_request', { pullNumber: 7 }],
      ['deploy.deploy_service', { ref: 'main' }],
      ['deploy.deploy_service', { ref: MERGE_SHA.slice(0, 7) }],
      ['deploy.deploy_service', { ref: MERGE_SHA }],
    ]);
    expect(reason(results[0])).toBe("deploy the merge commit of this incident's pull request: merge it first");
    expect(reason(results[2])).toBe(`deploy the merge commit (${MERGE_SHA}), not 'main'`);
    expect(reason(results[3])).toBe(`deploy the merge commit (${MERGE_SHA}), not '${MERGE_SHA.slice(0, 7)}'`);
    expect(results[4]!.isError).toBeUndefined();
    expect(tools.calls.map((c) => c.split(' ')[0])).toEqual(['github.merge_pull_request', 'deploy.deploy_service']);
  });

  it('reads the merge sha from a text-only result too; a failed merge allows no deploy', async () => {
    const text = await through(devopsTools({ mergeText: true }), { pullRequest: 7 }, [['github.merge_pull_request', { pullNumber: 7 }], ['deploy.deploy_service', { ref: MERGE_SHA }]]);
    expect(text.results[1]!.isError).toBeUndefined();
    const failed = await through(devopsTools({ mergeFails: true }), { pullRequest: 7 }, [['github.merge_pull_request', { pullNumber: 7 }], ['deploy.deploy_service', { ref: MERGE_SHA }]]);
    expect(failed.results[0]!.isError).toBe(true);
    expect(reason(failed.results[0])).toBeUndefined(); // GitHub's own error, not the guard's
    expect(reason(failed.results[1])).toBe("deploy the merge commit of this incident's pull request: merge it first");
  });
});

describe('action guard: rollback', () => {
  it('goes only to the chosen release: by id (any case) or by a revision prefix of 7+ characters', async () => {
    const tools = devopsTools();
    const { results } = await through(tools, { rollbackTo: GOOD }, [
      ['deploy.rollback', { to: 'r1' }],
      ['deploy.rollback', { to: ' R1 ' }],
      ['deploy.rollback', { to: GOOD.revision.slice(0, 7) }],
      ['deploy.rollback', { to: GOOD.revision.toUpperCase() }],
    ]);
    for (const r of results) expect(r.isError).toBeUndefined();
    expect(tools.calls).toHaveLength(4);
  });

  it('refuses another release, a short prefix, an empty or missing `to`, saying what to pass instead', async () => {
    const tools = devopsTools();
    const expected = `roll back only to r1 (abcdef0, v1.4.2): call it with to: "r1"`;
    const { results, refused } = await through(tools, { rollbackTo: GOOD }, [
      ['deploy.rollback', { to: 'r2' }],
      ['deploy.rollback', { to: GOOD.revision.slice(0, 6) }],
      ['deploy.rollback', { to: '1111111' }],
      ['deploy.rollback', { to: '  ' }],
      ['deploy.rollback', { to: 1 }],
      ['deploy.rollback', { reason: 'previous release' }],
    ]);
    expect(results.slice(0, 5).map(reason)).toEqual(Array(5).fill(expected));
    expect(reason(results[5])).toBe(`${expected} (without \`to\`, the deployer picks the newest other release, which may be the bad one)`);
    expect(tools.calls).toEqual([]);
    expect(refused).toHaveLength(6);
  });

  it('refuses every rollback when no known-good release is known', async () => {
    const tools = devopsTools();
    const { results } = await through(tools, {}, [['deploy.rollback', { to: 'r1' }], ['deploy.rollback', {}]]);
    for (const r of results) expect(reason(r)).toBe('no known-good release is known for this incident: there is nothing safe to roll back to');
  });

  it('a release the deployer cannot be told about (known by version only) is refused as such, not with an empty `to` to pass', async () => {
    const { results } = await through(devopsTools(), { rollbackTo: { version: '1.4.2' } }, [['deploy.rollback', { to: '' }]]);
    expect(reason(results[0])).toBe('the known-good release ? (v1.4.2) has no release id or revision the deployer can roll back to: there is nothing safe to roll back to');
  });

  it('by revision alone when the release has no id', async () => {
    const { results } = await through(devopsTools(), { rollbackTo: { revision: GOOD.revision } }, [['deploy.rollback', { to: 'r1' }], ['deploy.rollback', { to: GOOD.revision.slice(0, 10) }]]);
    expect(reason(results[0])).toBe(`roll back only to abcdef0 (abcdef0): call it with to: "${GOOD.revision}"`);
    expect(results[1]!.isError).toBeUndefined();
  });
});

describe('action guard: everything else', () => {
  it('passes other tools through untouched (maintenance mode is the approval gate\'s business)', async () => {
    const tools = devopsTools();
    const { results } = await through(tools, {}, [['deploy.rollout_status', {}], ['deploy.maintenance_mode', { enabled: true }]]);
    for (const r of results) expect(r.isError).toBeUndefined();
    expect(tools.calls).toHaveLength(2);
  });

  it('target names a release by id, else revision, else ref', () => {
    expect(target(GOOD)).toBe('r1');
    expect(target({ revision: GOOD.revision, ref: 'main' })).toBe(GOOD.revision);
    expect(target({ ref: 'v1.4.2' })).toBe('v1.4.2');
    expect(target({})).toBe('');
  });
});

describe('action guard: one action per step', () => {
  it('a rollback step merges and deploys nothing, a deploy step rolls nothing back, only a maintenance step touches maintenance mode', async () => {
    const tools = devopsTools();
    const rollback = await through(tools, { action: 'rollback', pullRequest: 7, rollbackTo: GOOD }, [
      ['github.merge_pull_request', { pullNumber: 7 }],
      ['deploy.deploy_service', { ref: MERGE_SHA }],
      ['deploy.maintenance_mode', { enabled: true }],
      ['deploy.rollout_status', {}],
      ['deploy.rollback', { to: 'r1' }],
    ]);
    expect(rollback.results.slice(0, 3).map(reason)).toEqual([
      'the workflow asked for the rollback only; github.merge_pull_request belongs to the fix deploy',
      'the workflow asked for the rollback only; deploy.deploy_service belongs to the fix deploy',
      'the workflow asked for the rollback only; deploy.maintenance_mode belongs to the maintenance mode',
    ]);
    expect(tools.calls.map((c) => c.split(' ')[0])).toEqual(['deploy.rollout_status', 'deploy.rollback']);

    const deploy = await through(tools, { action: 'deploy', pullRequest: 7, rollbackTo: GOOD }, [['deploy.rollback', { to: 'r1' }], ['github.merge_pull_request', { pullNumber: 7 }]]);
    expect(reason(deploy.results[0])).toMatch(/^the workflow asked for the fix deploy only; deploy.rollback belongs to the rollback/);
    expect(deploy.results[1]!.isError).toBeUndefined();

    const maintenance = await through(tools, { action: 'maintenance', pullRequest: 7 }, [['github.merge_pull_request', { pullNumber: 7 }], ['deploy.maintenance_mode', { enabled: true }]]);
    expect(reason(maintenance.results[0])).toMatch(/^the workflow asked for the maintenance mode only; github.merge_pull_request belongs to the fix deploy/);
    expect(maintenance.results[1]!.isError).toBeUndefined();
  });
});
