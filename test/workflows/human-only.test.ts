import { describe, expect, it } from 'vitest';
import { run, step } from '../../src/index.js';
import type { Context } from '../../src/primitives/types.js';
import type { ToolResult, ToolSet, ToolSpec } from '../../src/tools/types.js';
import { ApprovalBroker, type ApprovalPolicy, type Approver } from '../../src/workflows/approval-broker.js';
import { DEFAULT_HUMAN_ONLY, gateTools, type ApprovalGateOptions } from '../../src/workflows/approval-gate.js';

// Actions that take the service fully out of traffic need a human, whatever the approval policy.

const SECRET = 'ghp_abcdefghijklmnopqrstuvwxyz0123456789';

function deployTools(): ToolSet & { calls: string[] } {
  const specs: ToolSpec[] = ['deploy.maintenance_mode', 'deploy.rollout_status', 'deploy.scale_to_zero', 'deploy.maintenance_mode_status'].map((name) => ({
    name, description: name, inputSchema: { type: 'object' }, ...(name.endsWith('status') ? { annotations: { readOnlyHint: true } } : {}),
  }));
  const calls: string[] = [];
  return {
    calls,
    list: () => specs,
    async call(name, args) {
      calls.push(`${name} ${JSON.stringify(args)}`);
      return { content: [{ type: 'text', text: JSON.stringify({ maintenance: { enabled: args.enabled } }) }] };
    },
  };
}

/** An approver that answers at once and remembers what it was asked. */
function scripted(approved: boolean, by: string): Approver & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    async request(req) {
      asked.push(req.action);
      const at = new Date().toISOString();
      return { approved, by, at, ...(approved ? {} : { reason: 'not now' }), request: { ...req, id: `req-${asked.length}`, requestedAt: at } };
    },
  };
}

type Event = { name: string; data: Record<string, unknown> };

/** Calls `name` through a gate from a devops persona's turn; returns the result and the custom events. */
async function gated(opts: ApprovalGateOptions, name: string, args: Record<string, unknown>, inner = deployTools(), signal?: AbortSignal): Promise<{ result: ToolResult; events: Event[]; inner: ReturnType<typeof deployTools> }> {
  const gate = gateTools(inner, opts);
  const events: Event[] = [];
  const result = await run(step('devops', async (_: unknown, ctx: Context) => ctx.run(step('turn-1', async (_i: unknown, turn: Context) => gate.call(name, args, { ctx: turn })), undefined)), undefined, {
    ...(signal ? { signal } : {}),
    onEvent: (e) => { if (e.type === 'custom') events.push({ name: e.name, data: e.data }); },
  });
  return { result, events, inner };
}

const ON = { enabled: true, reason: `shed load (token ${SECRET})` };
const refusedBy = (r: ToolResult): string | undefined => (r.structuredContent?.refusedByApprovalGate ? String(r.structuredContent.reason) : undefined);

describe('human-only actions: maintenance mode on', () => {
  it('policy auto, nobody to ask (a drill, a CI job): refused at once, recorded as an escalation and a refusal by policy:human-only', async () => {
    const { result, events, inner } = await gated({ policy: 'auto' }, 'deploy.maintenance_mode', ON);
    expect(refusedBy(result)).toBe('it always needs a human decision and nobody can be asked here (no approver); escalate instead');
    expect(result.content[0]).toMatchObject({ text: expect.stringMatching(/^approval required for deploy\.maintenance_mode: .*The action was not performed\.$/) });
    expect(inner.calls).toEqual([]);
    expect(events.map((e) => e.name)).toEqual(['escalation', 'approval']);
    expect(events[0]!.data).toEqual({ reason: 'human-only action', action: 'deploy.maintenance_mode', detail: 'deploy.maintenance_mode always needs a human decision' });
    expect(events[1]!.data).toMatchObject({ action: 'deploy.maintenance_mode', approved: false, by: 'policy:human-only', persona: 'devops' });
    expect(JSON.stringify(events)).not.toContain(SECRET);
  });

  it("policy require cannot be set up without someone to ask", () => {
    expect(() => gateTools(deployTools(), { policy: 'require' as ApprovalPolicy })).toThrow("gateTools: policy 'require' needs an approver");
  });

  it('policy auto with a human reachable: the human is asked (never auto-approved), and their yes lets it run', async () => {
    const broker = new ApprovalBroker();
    broker.on('requested', (req: { id: string }) => { void broker.approve(req.id, 'oncall:alice', 'database is being scaled'); });
    const { result, events, inner } = await gated({ policy: 'auto', human: broker }, 'deploy.maintenance_mode', ON);
    expect(result.isError).toBeUndefined();
    expect(inner.calls).toHaveLength(1);
    expect(events.map((e) => e.name)).toEqual(['escalation', 'approval.requested', 'approval']);
    expect(events[1]!.data.args).toEqual({ enabled: true, reason: expect.not.stringContaining(SECRET) });
    expect(events[2]!.data).toMatchObject({ approved: true, by: 'oncall:alice', reason: 'database is being scaled' });
    expect(events.some((e) => e.data.by === 'policy:auto')).toBe(false);
  });

  it('policy auto: a human no leaves the service serving', async () => {
    const broker = new ApprovalBroker();
    broker.on('requested', (req: { id: string }) => { void broker.reject(req.id, 'oncall:bob', 'the provider is recovering'); });
    const { result, inner } = await gated({ policy: 'auto', human: broker }, 'deploy.maintenance_mode', ON);
    expect(refusedBy(result)).toBe('rejected by oncall:bob: the provider is recovering');
    expect(inner.calls).toEqual([]);
  });

  it('policy require: asked of `human` when given (not of the approver), else of the approver', async () => {
    const approver = scripted(true, 'cli:ops');
    const human = scripted(false, 'pager:carol');
    const viaHuman = await gated({ policy: 'require', approver, human }, 'deploy.maintenance_mode', ON);
    expect(human.asked).toEqual(['deploy.maintenance_mode']);
    expect(approver.asked).toEqual([]);
    expect(refusedBy(viaHuman.result)).toBe('rejected by pager:carol: not now');
    expect(viaHuman.events.map((e) => e.name)).toEqual(['escalation', 'approval.requested', 'approval']);

    const viaApprover = await gated({ policy: 'require', approver }, 'deploy.maintenance_mode', ON);
    expect(approver.asked).toEqual(['deploy.maintenance_mode']);
    expect(viaApprover.result.isError).toBeUndefined();
    expect(viaApprover.events[0]!.name).toBe('escalation');
  });

  it('policy deny: refused, nobody asked', async () => {
    const human = scripted(true, 'pager:carol');
    const { result, inner, events } = await gated({ policy: 'deny', human }, 'deploy.maintenance_mode', ON);
    expect(refusedBy(result)).toBe('the approval policy is deny');
    expect(human.asked).toEqual([]);
    expect(inner.calls).toEqual([]);
    expect(events.map((e) => [e.name, e.data.by])).toEqual([['approval', 'policy:deny']]);
  });

  it('only a boolean false turns it off without a human: "false" as text, or no `enabled` at all, still needs one', async () => {
    for (const args of [{ enabled: 'false' }, {}, { enabled: 0 }]) {
      const { result, inner } = await gated({ policy: 'auto' }, 'deploy.maintenance_mode', args);
      expect(refusedBy(result), JSON.stringify(args)).toMatch(/always needs a human decision/);
      expect(inner.calls).toEqual([]);
    }
  });

  it('waiting for the human ends with the incident: an abort rejects the call', async () => {
    const broker = new ApprovalBroker();
    const ac = new AbortController();
    broker.on('requested', () => { ac.abort(new Error('incident cancelled')); });
    await expect(gated({ policy: 'auto', human: broker }, 'deploy.maintenance_mode', ON, deployTools(), ac.signal)).rejects.toThrow('incident cancelled');
  });
});

describe('human-only actions: turning maintenance off, and other tools', () => {
  it('enabled: false is exempt from the human rule: it follows the policy like any risky action', async () => {
    const auto = await gated({ policy: 'auto' }, 'deploy.maintenance_mode', { enabled: false });
    expect(auto.result.isError).toBeUndefined();
    expect(auto.events.map((e) => [e.name, e.data.by])).toEqual([['approval', 'policy:auto']]);

    const approver = scripted(true, 'cli:ops');
    const human = scripted(true, 'pager:carol');
    const require = await gated({ policy: 'require', approver, human }, 'deploy.maintenance_mode', { enabled: false });
    expect(require.result.isError).toBeUndefined();
    expect(approver.asked).toEqual(['deploy.maintenance_mode']);
    expect(human.asked).toEqual([]);
    expect(require.events.some((e) => e.name === 'escalation')).toBe(false);

    const deny = await gated({ policy: 'deny' }, 'deploy.maintenance_mode', { enabled: false });
    expect(refusedBy(deny.result)).toBe('the approval policy is deny');
  });

  it('the human-only list is configurable, and is matched per segment (maintenance_mode_status is not maintenance_mode)', async () => {
    expect(DEFAULT_HUMAN_ONLY).toEqual(['*.maintenance_mode']);
    const custom = await gated({ policy: 'auto', humanOnly: ['*.scale_to_zero'] }, 'deploy.scale_to_zero', {});
    expect(refusedBy(custom.result)).toMatch(/always needs a human decision/);
    const notListed = await gated({ policy: 'auto', humanOnly: ['*.scale_to_zero'] }, 'deploy.maintenance_mode', ON);
    expect(notListed.result.isError).toBeUndefined(); // no longer human-only: the policy (auto) decides
    const status = await gated({ policy: 'auto' }, 'deploy.maintenance_mode_status', {});
    expect(status.result.isError).toBeUndefined();
    expect(status.events).toEqual([]);
    const read = await gated({ policy: 'deny' }, 'deploy.rollout_status', {});
    expect(read.result.isError).toBeUndefined();
  });
});
