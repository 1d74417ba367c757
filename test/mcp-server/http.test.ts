import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CallToolResultSchema, ElicitRequestSchema, type CallToolResult, type ServerNotification } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { McpServeConfigError } from '../../src/mcp-server/errors.js';
import { checkBind, isLoopbackHost, serveFirebreakHttp } from '../../src/mcp-server/serve.js';
import type { HttpServerHandle } from '../../src/tools/servers/serve.js';
import { call, eventually } from './helpers/client.js';
import { quickDrills, type QuickDrills } from './helpers/quick-drills.js';
import { p3Alert, quiet, startWorld, type World } from './helpers/world.js';

// The server over real Streamable HTTP on 127.0.0.1: sessions, server-initiated requests and notifications
// on the SSE streams, bearer auth, DNS-rebinding checks, size limits, malformed requests, many sessions.

const TOKEN = 'test-token-0123456789abcdef';
let world: World;
let drills: QuickDrills;
let handle: HttpServerHandle | undefined;
const clients: Client[] = [];

beforeAll(async () => {
  world = await startWorld();
  drills = await quickDrills();
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close().catch(() => undefined)));
  await handle?.close();
  handle = undefined;
});
afterAll(async () => {
  await world?.close();
  await drills?.close();
});

async function serve(opts: { token?: string } = {}): Promise<string> {
  handle = await serveFirebreakHttp(world.deps(drills.desk), { port: 0, logger: quiet, notifyCoalesceMs: 20, ...opts });
  return handle.url;
}

async function connect(url: string, opts: { token?: string; name?: string; elicit?: boolean } = {}): Promise<{ client: Client; notifications: ServerNotification[] }> {
  const transport = new StreamableHTTPClientTransport(new URL(url), opts.token ? { requestInit: { headers: { Authorization: `Bearer ${opts.token}` } } } : {});
  const client = new Client({ name: opts.name ?? 'http-test', version: '1.0.0' }, { capabilities: opts.elicit ? { elicitation: {} } : {} });
  const notifications: ServerNotification[] = [];
  client.fallbackNotificationHandler = async (n) => void notifications.push(n as ServerNotification);
  if (opts.elicit) client.setRequestHandler(ElicitRequestSchema, async () => ({ action: 'accept', content: { decision: 'approve', reason: 'over http' } }));
  await client.connect(transport);
  clients.push(client);
  return { client, notifications };
}

const initialize = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '0' } } };
const post = (url: string, body: string, headers: Record<string, string> = {}): Promise<Response> =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers }, body });

describe('Streamable HTTP', () => {
  it('runs an incident end to end: elicitation and resource updates travel over the SSE streams', async () => {
    const url = await serve();
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
    const { client, notifications } = await connect(url, { name: 'vscode-ish', elicit: true });
    const { id } = await call(client, 'incident_respond', { alert: p3Alert('Disk (http)') });
    await client.subscribeResource({ uri: `firebreak://incidents/${String(id)}` });
    const done = await eventually('the incident to end', async () => {
      const s = await call(client, 'incident_status', { id });
      return s.endedAt !== undefined && s;
    });
    expect(done.status).toBe('resolved');
    expect((await world.incidents.get(String(id)))!.approvals[0]!.decision).toMatchObject({ approved: true, by: 'mcp:vscode-ish', reason: 'over http' });
    await eventually('a resources/updated notification', () => notifications.some((n) => n.method === 'notifications/resources/updated'));
  });

  it('sends progress on the request stream (drill_run)', async () => {
    const { client } = await connect(await serve());
    const messages: string[] = [];
    const result = (await client.callTool({ name: 'drill_run', arguments: { scenario: 'pool-exhaustion' } }, CallToolResultSchema, { onprogress: (p) => messages.push(String(p.message)) })) as CallToolResult;
    expect(result.isError).toBeFalsy();
    expect(messages.at(-1)).toBe('teardown done');
  });

  it('serves many concurrent sessions, each with its own server', async () => {
    const url = await serve();
    const many = await Promise.all(Array.from({ length: 16 }, (_, i) => connect(url, { name: `client-${i}` })));
    expect(handle!.sessionCount()).toBe(16);
    const answers = await Promise.all(many.map(({ client }) => call(client, 'drill_list')));
    for (const a of answers) expect((a.scenarios as { name: string }[]).map((s) => s.name)).toEqual(['pool-exhaustion']);
    await Promise.all(many.map(({ client }) => client.close()));
    clients.splice(0);
  });

  it('answers a malformed body, an invalid request and an unknown tool with JSON-RPC errors, and keeps serving', async () => {
    const url = await serve();
    const garbage = await post(url, '{"jsonrpc":"2.0", "id": 1, "method": "initialize", ');
    expect(garbage.status).toBe(400);
    expect(await garbage.json()).toMatchObject({ error: { code: -32700 } });

    const init = await post(url, JSON.stringify(initialize));
    const session = init.headers.get('mcp-session-id')!;
    expect(session).toBeTruthy();
    const headers = { 'mcp-session-id': session, 'mcp-protocol-version': '2025-06-18' };
    await post(url, JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }), headers);
    const bad = await post(url, JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 5 } }), headers);
    // A structurally invalid request gets a JSON-RPC error naming the field (the SDK's Protocol reports schema
    // failures of incoming requests as -32603 with the validation detail).
    const badBody = await bad.text();
    expect(badBody).toMatch(/"id":2,"error":\{"code":-326\d\d/);
    expect(badBody).toMatch(/params.*name.*expected string/s);
    const unknown = await post(url, JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'rm_rf', arguments: {} } }), headers);
    expect(await unknown.text()).toMatch(/"id":3,"error":\{"code":-32602,"message":"[^"]*Unknown tool: rm_rf"/);
    const { client } = await connect(url);
    expect(await call(client, 'incident_list')).toHaveProperty('incidents');
  });

  it('refuses foreign Host and Origin headers (DNS rebinding) and oversized bodies', async () => {
    const url = await serve();
    expect((await post(url, JSON.stringify(initialize), { origin: 'http://evil.example.com' })).status).toBe(403);
    const port = new URL(url).port;
    const foreignHost = await new Promise<number>((resolve, reject) => {
      // fetch() will not forge a Host header; node:http will.
      import('node:http').then(({ request }) => {
        const req = request({ host: '127.0.0.1', port, path: '/mcp', method: 'POST', headers: { host: `evil.example.com:${port}`, 'content-type': 'application/json' } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
        req.end(JSON.stringify(initialize));
      }, reject);
    });
    expect(foreignHost).toBe(403);
    expect((await post(url, JSON.stringify({ ...initialize, pad: 'x'.repeat(1024 * 1024 + 1) }))).status).toBe(413);
  });
});

describe('bearer token', () => {
  it('is required when set: 401 without it or with a wrong one, served with it', async () => {
    const url = await serve({ token: TOKEN });
    const none = await post(url, JSON.stringify(initialize));
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect((await post(url, JSON.stringify(initialize), { authorization: 'Bearer wrong-token-0123456789' })).status).toBe(401);
    await expect(connect(url)).rejects.toThrow();
    const { client } = await connect(url, { token: TOKEN });
    expect(await call(client, 'incident_list')).toHaveProperty('incidents');
  });

  it('is mandatory beyond loopback: the server refuses to start without one', async () => {
    await expect(serveFirebreakHttp(world.deps(drills.desk), { host: '0.0.0.0', port: 0 })).rejects.toThrow(McpServeConfigError);
    expect(() => checkBind('0.0.0.0', undefined)).toThrow(/refusing to serve on 0\.0\.0\.0 without authentication: set FIREBREAK_MCP_TOKEN/);
    expect(() => checkBind('192.168.1.10', 'short')).toThrow(/too short/);
    expect(() => checkBind('192.168.1.10', TOKEN)).not.toThrow();
    expect(() => checkBind('127.0.0.1', undefined)).not.toThrow();
    expect([isLoopbackHost('localhost'), isLoopbackHost('::1'), isLoopbackHost('[::1]'), isLoopbackHost('127.0.0.2'), isLoopbackHost('0.0.0.0'), isLoopbackHost('10.0.0.1')]).toEqual([true, true, true, true, false, false]);
  });
});
