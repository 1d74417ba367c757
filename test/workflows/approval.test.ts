import { describe, expect, it, vi } from 'vitest';
import { run, step } from '../../src/index.js';
import { ApprovalBroker } from '../../src/workflows/approval-broker.js';
import { gateTools } from '../../src/workflows/approval-gate.js';
import type { ToolSet, ToolSpec } from '../../src/tools/types.js';

function fakeTools(): ToolSet & { calls: string[] } {
  const specs: ToolSpec[] = [
    { name: 'github.merge_pull_request', description: 'merge', inputSchema: { type: 'object' } },
    { name: 'github.get_file_contents', description: 'read', inputSchema: { type: 'object' }, annotations: { readOnlyHint: true } },
    { name: 'sandbox.wipe', description: 'destroy', inputSchema: { type: 'object' }, annotations: { destructiveHint: true } },
  ];
  const calls: string[] = [];
  return {
    calls,
    list: () => specs,
    async call(name) {
      calls.push(name);
      return { content: [{ type: 'text', text: `did ${name}` }] };
    },
  };
}

describe('approval gate', () => {
  it('lets safe tools through and records auto-approval of risky ones', async () => {
    const tools = fakeTools();
    const gated = gateTools(tools, { policy: 'auto' });
    const events: unknown[] = [];
    await run(step('act', async (_: unknown, ctx) => {
      await gated.call('github.get_file_contents', {}, { ctx });
      await gated.call('github.merge_pull_request', { pullNumber: 1 }, { ctx });
    }), undefined, { onEvent: (e) => { if (e.type === 'custom') events.push(e.data); } });
    expect(tools.calls).toEqual(['github.get_file_contents', 'github.merge_pull_request']);
    expect(events).toEqual([expect.objectContaining({ action: 'github.merge_pull_request', approved: true, by: 'policy:auto' })]);
  });

  it('deny refuses risky and destructive-annotated tools without calling them', async () => {
    const tools = fakeTools();
    const gated = gateTools(tools, { policy: 'deny' });
    const merge = await gated.call('github.merge_pull_request', {});
    const wipe = await gated.call('sandbox.wipe', {});
    expect(merge.isError).toBe(true);
    expect(wipe.isError).toBe(true);
    expect(tools.calls).toEqual([]);
  });

  it('require waits for a decision from the broker', async () => {
    const tools = fakeTools();
    const broker = new ApprovalBroker();
    broker.on('requested', (req: { id: string; action: string }) => {
      setTimeout(() => void broker.approve(req.id, 'alice', 'looks right'), 5);
    });
    const gated = gateTools(tools, { policy: 'require', approver: broker });
    const result = await gated.call('github.merge_pull_request', { token: 'ghp_abcdefghijklmnopqrstuvwxyz0123' });
    expect(result.isError).toBeUndefined();
    expect(tools.calls).toEqual(['github.merge_pull_request']);
  });

  it('a rejection and a timeout both leave the action undone; the timeout escalates', async () => {
    vi.useFakeTimers();
    try {
      const tools = fakeTools();
      const escalated: string[] = [];
      const broker = new ApprovalBroker({ timeoutMs: 1000, onEscalate: (r) => { escalated.push(r.action); } });
      const gated = gateTools(tools, { policy: 'require', approver: broker });
      const pending = gated.call('github.merge_pull_request', {});
      await vi.advanceTimersByTimeAsync(0);
      expect(await broker.pending()).toHaveLength(1);
      await vi.advanceTimersByTimeAsync(1000);
      const result = await pending;
      expect(result.isError).toBe(true);
      expect(JSON.stringify(result.content)).toContain('timeout');
      expect(escalated).toEqual(['github.merge_pull_request']);

      const second = gated.call('github.merge_pull_request', {});
      await vi.advanceTimersByTimeAsync(0);
      expect(await broker.reject((await broker.pending())[0]!.id, 'bob', 'not during the freeze')).toBe(true);
      expect((await second).isError).toBe(true);
      expect(tools.calls).toEqual([]);
    } finally {
      vi.useRealTimers();
    }
  });

  it('redacts secrets from the recorded request', async () => {
    const broker = new ApprovalBroker();
    const seen: Record<string, unknown>[] = [];
    broker.on('requested', (req: { id: string; args: Record<string, unknown> }) => {
      seen.push(req.args);
      void broker.reject(req.id, 'x');
    });
    await gateTools(fakeTools(), { policy: 'require', approver: broker }).call('github.merge_pull_request', { note: 'Bearer abcdefghijklmnop1234' });
    expect(JSON.stringify(seen)).not.toContain('abcdefghijklmnop1234');
  });
});
