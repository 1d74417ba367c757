import type { ElicitResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, connectInMemory, eventually, type Connected, type ElicitAnswer } from './helpers/client.js';
import { quickDrills, type QuickDrills } from './helpers/quick-drills.js';
import { p3Alert, startWorld, type World } from './helpers/world.js';

// Approvals asked in the IDE (elicitation/create), for incidents the asking session started.

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

async function session(name: string, elicit?: ElicitAnswer, server?: { elicitApprovals?: boolean }): Promise<Connected> {
  const c = await connectInMemory(world.deps(drills.desk), { name, ...(elicit ? { elicit } : {}), ...(server ? { server } : {}) });
  open.push(c);
  return c;
}

async function ended(c: Connected, id: string): Promise<Record<string, unknown>> {
  return eventually('the incident to end', async () => {
    const s = await call(c.client, 'incident_status', { id });
    return s.endedAt !== undefined && s;
  });
}

const accept = (decision: 'approve' | 'reject', reason?: string): ElicitResult => ({ action: 'accept', content: { decision, ...(reason ? { reason } : {}) } });

describe('approval by elicitation', () => {
  it('asks the client that started the incident, and its answer decides', async () => {
    const c = await session('ide-with-forms', () => accept('approve', 'fine, file it'));
    const { id } = await call(c.client, 'incident_respond', { alert: p3Alert('Disk (elicit approve)') });
    const done = await ended(c, String(id));
    expect(done.status).toBe('resolved');
    expect(c.asked).toHaveLength(1);
    expect(c.asked[0]).toMatch(new RegExp(`^Incident ${String(id)} \\(Disk \\(elicit approve\\)\\): the workflow wants to run github\\.issue_write with \\{.*"method":"create"`));
    const record = await world.incidents.get(String(id));
    expect(record!.approvals[0]!.decision).toMatchObject({ approved: true, by: 'mcp:ide-with-forms', reason: 'fine, file it' });
  });

  it('decline rejects; accept with reject rejects with the reason', async () => {
    const decliner = await session('decliner', () => ({ action: 'decline' }));
    const a = await call(decliner.client, 'incident_respond', { alert: p3Alert('Disk (elicit decline)') });
    expect((await ended(decliner, String(a.id))).status).toBe('unresolved');
    expect((await world.incidents.get(String(a.id)))!.approvals[0]!.decision).toMatchObject({ approved: false, by: 'mcp:decliner', reason: 'declined in the client' });

    const rejecter = await session('rejecter', () => accept('reject', 'too noisy'));
    const b = await call(rejecter.client, 'incident_respond', { alert: p3Alert('Disk (elicit reject)') });
    expect((await ended(rejecter, String(b.id))).status).toBe('unresolved');
    expect((await world.incidents.get(String(b.id)))!.approvals[0]!.decision).toMatchObject({ approved: false, reason: 'too noisy' });
  });

  it('a dismissed question leaves the incident pending (not asked again) until incident_approve', async () => {
    const c = await session('dismisser', () => ({ action: 'cancel' }));
    const { id } = await call(c.client, 'incident_respond', { alert: p3Alert('Disk (elicit dismissed)') });
    await eventually('the question', () => c.asked.length === 1);
    await new Promise((r) => setTimeout(r, 150));
    expect((await call(c.client, 'incident_status', { id })).status).toBe('pending-approval');
    expect(c.asked).toHaveLength(1);
    await call(c.client, 'incident_approve', { id, reason: 'after all' });
    expect((await ended(c, String(id))).status).toBe('resolved');
  });

  it('withdraws the question when the request is decided elsewhere, and never asks other sessions', async () => {
    let withdrawn = false;
    const waiting = await session('slow-human', (_p, signal) => new Promise<ElicitResult>((resolve) => {
      signal.addEventListener('abort', () => {
        withdrawn = true;
        resolve({ action: 'cancel' });
      });
    }));
    const bystander = await session('bystander', () => accept('reject', 'not mine'));
    // SDK 1.32's Protocol._oncancel ignores `notifications/cancelled` for request id 0 (`if (!requestId) return`),
    // and the server's first request to a client has id 0: spend it on a ping so the withdrawal is observable.
    await waiting.server.server.ping();
    const { id } = await call(waiting.client, 'incident_respond', { alert: p3Alert('Disk (withdrawn)') });
    await eventually('the question', () => waiting.asked.length === 1);
    await call(bystander.client, 'incident_approve', { id });
    await eventually('the question withdrawn (notifications/cancelled)', () => withdrawn);
    expect((await ended(waiting, String(id))).status).toBe('resolved');
    expect(bystander.asked).toEqual([]);
    expect((await world.incidents.get(String(id)))!.approvals[0]!.decision).toMatchObject({ approved: true, by: 'mcp:bystander' });
  });

  it('elicitApprovals: false never asks, even a client that could answer', async () => {
    const c = await session('forms-but-off', () => accept('approve'), { elicitApprovals: false });
    const { id } = await call(c.client, 'incident_respond', { alert: p3Alert('Disk (elicit off)') });
    await eventually('pending approval', async () => (await call(c.client, 'incident_status', { id })).status === 'pending-approval');
    await new Promise((r) => setTimeout(r, 100));
    expect(c.asked).toEqual([]);
    await call(c.client, 'incident_reject', { id, reason: 'cleanup' });
    await ended(c, String(id));
  });
});
