import type { ReadResourceResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, callError, connectInMemory, eventually, type Connected } from './helpers/client.js';
import { quickDrills, type QuickDrills } from './helpers/quick-drills.js';
import { p3Alert, REPO, startWorld, type World } from './helpers/world.js';

// Incidents through the MCP server, against the real incident service, tool host, github MCP server and git
// forge. A p3 alert files a ticket; `github.issue_write` is configured risky, so the ticket waits for approval.

let world: World;
let drills: QuickDrills;
let conn: Connected;

beforeAll(async () => {
  world = await startWorld();
  drills = await quickDrills();
  conn = await connectInMemory(world.deps(drills.desk), { name: 'vitest-chat' });
});

afterAll(async () => {
  await conn?.close();
  await world?.close();
  await drills?.close();
});

const status = (id: string): Promise<Record<string, unknown>> => call(conn.client, 'incident_status', { id });

/** The text of a resource read's first content (ours are all text). */
const textOf = (r: ReadResourceResult): string => {
  const c = r.contents[0];
  if (!c || !('text' in c)) throw new Error('expected a text resource');
  return c.text;
};

async function issues(): Promise<{ number: number; title: string }[]> {
  const res = await fetch(`${world.forge.url}/repos/${REPO.owner}/${REPO.repo}/issues?state=all`);
  return (await res.json()) as { number: number; title: string }[];
}

describe('incident tools', () => {
  it('responds at once, waits in pending-approval, and files the ticket once approved over MCP', async () => {
    const started = await call(conn.client, 'incident_respond', { alert: p3Alert('Disk usage above 80% (approve path)') });
    expect(started).toMatchObject({ severity: 'p3', approvalPolicy: 'require' });
    expect(['queued', 'running', 'pending-approval']).toContain(started.status); // queued until the runner starts it; the p3 route asks within milliseconds
    const id = String(started.id);
    expect(started.uri).toBe(`firebreak://incidents/${id}`);

    const pending = await eventually('a pending approval', async () => {
      const s = await status(id);
      return s.status === 'pending-approval' && s;
    });
    expect(pending.pendingApprovals).toEqual([expect.objectContaining({ action: 'github.issue_write', args: expect.objectContaining({ method: 'create', owner: 'acme' }) })]);
    expect(await issues()).toEqual([]); // nothing was done before the approval

    const decided = await call(conn.client, 'incident_approve', { id, action: 'github.issue_write', reason: 'backlog it' });
    expect(decided).toMatchObject({ id, action: 'github.issue_write', approved: true, by: 'mcp:vitest-chat', reason: 'backlog it' });

    const done = await eventually('the incident to end', async () => {
      const s = await status(id);
      return s.status === 'resolved' && s;
    });
    expect(done.outcome).toMatchObject({ resolved: true });
    expect(done.postmortemUri).toBe(`firebreak://incidents/${id}/postmortem`);
    expect((done.actions as unknown[]).length).toBeGreaterThan(0);
    expect((done.lastEvents as { kind: string }[]).map((e) => e.kind)).toContain('approval');
    expect((await issues()).map((i) => i.title)).toEqual(['[P3] Disk usage above 80% (approve path)']);

    const list = await call(conn.client, 'incident_list', { status: 'resolved' });
    expect(list.incidents).toEqual([expect.objectContaining({ id, status: 'resolved', uri: `firebreak://incidents/${id}` })]);
  });

  it('a rejection is recorded with its reason and nothing is filed', async () => {
    const before = (await issues()).length;
    const { id } = await call(conn.client, 'incident_respond', { alert: JSON.stringify(p3Alert('Disk usage above 80% (reject path)')) });
    await eventually('a pending approval', async () => (await status(String(id))).status === 'pending-approval');
    const pending = (await status(String(id))).pendingApprovals as { requestId: string }[];
    const decided = await call(conn.client, 'incident_reject', { id, action: pending[0]!.requestId, reason: 'not worth a ticket' });
    expect(decided).toMatchObject({ approved: false, by: 'mcp:vitest-chat' });
    const done = await eventually('the incident to end', async () => {
      const s = await status(String(id));
      return s.endedAt !== undefined && s;
    });
    expect(done.status).toBe('unresolved');
    expect(JSON.stringify(done.lastEvents)).toContain('not worth a ticket');
    expect((await issues()).length).toBe(before);
  });

  it('answers bad input with errors that name the problem', async () => {
    expect(await callError(conn.client, 'incident_status', { id: 'inc-nope' })).toMatch(/no incident 'inc-nope'/);
    expect(await callError(conn.client, 'incident_respond', { alert: { title: 'x', severity: 'urgent-ish' } })).toMatch(/alert\.severity: 'urgent-ish' is not one of p0/);
    expect(await callError(conn.client, 'incident_respond', { alert: { labels: { a: 'b' } } })).toMatch(/alert\.title/);
    expect(await callError(conn.client, 'incident_approve', { id: 'inc-nope' })).toMatch(/no incident 'inc-nope'/);
    const ended = (await call(conn.client, 'incident_list', {})).incidents as { id: string }[];
    expect(await callError(conn.client, 'incident_approve', { id: ended[0]!.id })).toMatch(/nothing is waiting for approval/);
    // A reason is required to reject; zod says which field.
    expect(await callError(conn.client, 'incident_reject', { id: ended[0]!.id })).toMatch(/reason/);
  });
});

describe('incident resources', () => {
  it('lists, reads and completes incidents and post-mortems; a running incident has no post-mortem yet', async () => {
    const { resources } = await conn.client.listResources();
    const ids = ((await call(conn.client, 'incident_list', {})).incidents as { id: string; status: string }[]);
    const ended = ids.filter((i) => !['queued', 'running', 'pending-approval'].includes(i.status));
    for (const i of ids) expect(resources).toContainEqual(expect.objectContaining({ uri: `firebreak://incidents/${i.id}`, name: i.id, mimeType: 'application/json' }));
    for (const i of ended) expect(resources).toContainEqual(expect.objectContaining({ uri: `firebreak://incidents/${i.id}/postmortem`, mimeType: 'text/markdown' }));

    const { resourceTemplates } = await conn.client.listResourceTemplates();
    expect(resourceTemplates.map((t) => t.uriTemplate).sort()).toEqual(['firebreak://incidents/{id}', 'firebreak://incidents/{id}/postmortem']);

    const id = ended[0]!.id;
    const record = (await conn.client.readResource({ uri: `firebreak://incidents/${id}` })) as ReadResourceResult;
    const parsed = JSON.parse(textOf(record)) as { id: string; timeline: unknown[]; alert: { title: string } };
    expect(parsed.id).toBe(id);
    expect(parsed.timeline.length).toBeGreaterThan(2);
    const pm = (await conn.client.readResource({ uri: `firebreak://incidents/${id}/postmortem` })) as ReadResourceResult;
    expect(pm.contents[0]).toMatchObject({ mimeType: 'text/markdown' });
    expect(textOf(pm)).toContain(`# Post-Mortem: ${parsed.alert.title}`);

    await expect(conn.client.readResource({ uri: 'firebreak://incidents/inc-missing' })).rejects.toThrow(/-32002.*no incident 'inc-missing'/);
    const done = await conn.client.complete({ ref: { type: 'ref/resource', uri: 'firebreak://incidents/{id}' }, argument: { name: 'id', value: id.slice(0, 6) } });
    expect(done.completion.values).toContain(id);

    // A running incident: readable, but its post-mortem does not exist yet.
    const { id: live } = await call(conn.client, 'incident_respond', { alert: p3Alert('Disk usage above 80% (resources)') });
    await expect(conn.client.readResource({ uri: `firebreak://incidents/${String(live)}/postmortem` })).rejects.toThrow(/still (running|pending-approval)/);
    await eventually('a pending approval', async () => (await status(String(live))).status === 'pending-approval');
    await call(conn.client, 'incident_reject', { id: live, reason: 'cleanup' });
    await eventually('the end', async () => (await status(String(live))).endedAt !== undefined);
  });

  it('notifies subscribers of updates, and the list of a new incident and of its post-mortem', async () => {
    const { id } = await call(conn.client, 'incident_respond', { alert: p3Alert('Disk usage above 80% (subscribe)') });
    const uri = `firebreak://incidents/${String(id)}`;
    await conn.client.subscribeResource({ uri });
    const updated = (): number => conn.notifications.filter((n) => n.method === 'notifications/resources/updated' && n.params.uri === uri).length;
    await eventually('a pending approval', async () => (await status(String(id))).status === 'pending-approval');
    const beforeApproval = updated();
    const listChangesBefore = conn.notifications.filter((n) => n.method === 'notifications/resources/list_changed').length;
    await call(conn.client, 'incident_approve', { id });
    await eventually('the end', async () => (await status(String(id))).endedAt !== undefined);
    await eventually('an update notification after the approval', () => updated() > beforeApproval);
    // The post-mortem resource appeared: the list changed.
    await eventually('a list_changed notification', () => conn.notifications.filter((n) => n.method === 'notifications/resources/list_changed').length > listChangesBefore);

    await conn.client.unsubscribeResource({ uri });
    const after = updated();
    const { id: other } = await call(conn.client, 'incident_respond', { alert: p3Alert('Disk usage above 80% (unsubscribed)') });
    await eventually('a pending approval', async () => (await status(String(other))).status === 'pending-approval');
    await call(conn.client, 'incident_reject', { id: other, reason: 'cleanup' });
    await eventually('the end', async () => (await status(String(other))).endedAt !== undefined);
    await new Promise((r) => setTimeout(r, 100));
    expect(updated()).toBe(after);
    // Coalesced: far fewer notifications than timeline entries.
    const record = JSON.parse(textOf((await conn.client.readResource({ uri })) as ReadResourceResult)) as { timeline: unknown[] };
    expect(after).toBeLessThan(record.timeline.length);
  });
});

describe('approval timeout', () => {
  let short: World;
  let c: Connected;
  beforeAll(async () => {
    short = await startWorld({ approvalTimeoutMs: 300 });
    c = await connectInMemory(short.deps(drills.desk), { name: 'away-from-keyboard' });
  });
  afterAll(async () => {
    await c?.close();
    await short?.close();
  });

  it('an approval nobody gives is rejected by the timeout and escalated; the incident ends unresolved', async () => {
    const { id } = await call(c.client, 'incident_respond', { alert: p3Alert('Disk (nobody answers)') });
    const done = await eventually('the incident to end', async () => {
      const s = await call(c.client, 'incident_status', { id });
      return s.endedAt !== undefined && s;
    });
    expect(done.status).toBe('unresolved');
    expect((await short.incidents.get(String(id)))!.approvals[0]!.decision).toMatchObject({ approved: false, by: 'timeout' });
    expect(JSON.stringify(done.lastEvents)).toMatch(/escalated/);
  });
});
