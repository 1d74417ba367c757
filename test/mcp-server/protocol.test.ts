import { CallToolResultSchema, ErrorCode, McpError, type CallToolResult, type GetPromptResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, connectInMemory, eventually, type Connected } from './helpers/client.js';
import { quickDrills, type QuickDrills } from './helpers/quick-drills.js';
import { p3Alert, startWorld, type World } from './helpers/world.js';

// The server's protocol surface: tool listing (schemas, annotations), errors, prompts, completion, logging.

let world: World;
let drills: QuickDrills;
let conn: Connected;

beforeAll(async () => {
  world = await startWorld();
  drills = await quickDrills();
  conn = await connectInMemory(world.deps(drills.desk));
});

afterAll(async () => {
  await conn?.close();
  await world?.close();
  await drills?.close();
});

describe('tools/list', () => {
  it('offers every tool with input and output schemas and honest annotations', async () => {
    const { tools } = await conn.client.listTools();
    const byName = Object.fromEntries(tools.map((t) => [t.name, t]));
    expect(Object.keys(byName).sort()).toEqual(['drill_list', 'drill_run', 'incident_approve', 'incident_list', 'incident_reject', 'incident_respond', 'incident_status', 'persona_ask']);
    for (const t of tools) {
      expect(t.description, t.name).toBeTruthy();
      expect(t.inputSchema.type, t.name).toBe('object');
      expect(t.outputSchema?.type, t.name).toBe('object');
      expect(typeof t.annotations?.readOnlyHint, t.name).toBe('boolean');
      expect(typeof t.annotations?.destructiveHint, t.name).toBe('boolean');
    }
    const readOnly = tools.filter((t) => t.annotations?.readOnlyHint).map((t) => t.name).sort();
    expect(readOnly).toEqual(['drill_list', 'incident_list', 'incident_status']);
    const destructive = tools.filter((t) => t.annotations?.destructiveHint).map((t) => t.name).sort();
    expect(destructive).toEqual(['incident_approve', 'incident_respond', 'persona_ask']);
    expect(byName.incident_reject!.inputSchema.required).toEqual(['id', 'reason']);
  });
});

describe('errors', () => {
  it('an unknown tool is a JSON-RPC error (-32602), and the server stays up', async () => {
    const err = await conn.client.callTool({ name: 'incident_delete', arguments: {} }).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(McpError);
    expect((err as McpError).code).toBe(ErrorCode.InvalidParams);
    expect((err as McpError).message).toMatch(/Unknown tool: incident_delete/);
    expect(await call(conn.client, 'incident_list')).toHaveProperty('incidents');
  });

  it('bad arguments to a known tool come back as a tool error the model can correct', async () => {
    const result = (await conn.client.callTool({ name: 'incident_status', arguments: { id: 42 } }, CallToolResultSchema)) as CallToolResult;
    expect(result.isError).toBe(true);
    expect(JSON.stringify(result.content)).toMatch(/Input validation error.*id/s);
  });

  it('an unknown prompt or method is a protocol error', async () => {
    await expect(conn.client.getPrompt({ name: 'nope' })).rejects.toThrow(/Prompt nope not found/);
    await expect(conn.client.request({ method: 'tasks/frobnicate', params: {} } as never, CallToolResultSchema)).rejects.toThrow(/Method not found/);
  });
});

describe('prompts', () => {
  it('lists triage-alert and write-postmortem with their arguments', async () => {
    const { prompts } = await conn.client.listPrompts();
    expect(prompts.map((p) => [p.name, p.arguments?.map((a) => [a.name, a.required])])).toEqual([
      ['triage-alert', [['alert', true]]],
      ['write-postmortem', [['id', true]]],
    ]);
  });

  it('triage-alert embeds the alert, how it parses, and the approval rules', async () => {
    const ok = (await conn.client.getPrompt({ name: 'triage-alert', arguments: { alert: JSON.stringify(p3Alert('Disk full soon')) } })) as GetPromptResult;
    const text = (ok.messages[0]!.content as { text: string }).text;
    expect(text).toContain('Parsed as a minimal alert: "Disk full soon", severity p3');
    expect(text).toContain('incident_respond');
    expect(text).toContain('Never approve on the user\'s behalf');
    const bad = (await conn.client.getPrompt({ name: 'triage-alert', arguments: { alert: '{"title":"x","severity":"sev9"}' } })) as GetPromptResult;
    expect((bad.messages[0]!.content as { text: string }).text).toMatch(/does not parse yet \(alert\.severity: 'sev9'/);
  });

  it('write-postmortem embeds the generated post-mortem of an ended incident, and completes ids', async () => {
    const { id } = await call(conn.client, 'incident_respond', { alert: p3Alert('Disk (post-mortem prompt)') });
    const running = (await conn.client.getPrompt({ name: 'write-postmortem', arguments: { id: String(id) } })) as GetPromptResult;
    expect((running.messages[0]!.content as { text: string }).text).toMatch(/has not ended/);
    await eventually('pending', async () => (await call(conn.client, 'incident_status', { id })).status === 'pending-approval');
    await call(conn.client, 'incident_approve', { id });
    await eventually('ended', async () => (await call(conn.client, 'incident_status', { id })).endedAt !== undefined);
    const pm = (await conn.client.getPrompt({ name: 'write-postmortem', arguments: { id: String(id) } })) as GetPromptResult;
    expect(pm.messages[1]!.content).toMatchObject({ type: 'resource', resource: { uri: `firebreak://incidents/${String(id)}/postmortem`, mimeType: 'text/markdown' } });
    expect(JSON.stringify(pm.messages[1])).toContain('# Post-Mortem: Disk (post-mortem prompt)');
    await expect(conn.client.getPrompt({ name: 'write-postmortem', arguments: { id: 'inc-none' } })).rejects.toThrow(/no incident 'inc-none'/);
    const completion = await conn.client.complete({ ref: { type: 'ref/prompt', name: 'write-postmortem' }, argument: { name: 'id', value: 'inc-' } });
    expect(completion.completion.values).toContain(String(id));
  });
});

describe('utilities', () => {
  it('answers ping and logging/setLevel', async () => {
    await expect(conn.client.ping()).resolves.toEqual({});
    await expect(conn.client.setLoggingLevel('warning')).resolves.toEqual({});
    expect(conn.client.getServerCapabilities()).toMatchObject({ resources: { subscribe: true, listChanged: true }, logging: {}, completions: {} });
    expect(conn.client.getInstructions()).toMatch(/incident_respond/);
  });
});
