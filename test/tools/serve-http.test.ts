import { PassThrough } from 'node:stream';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { serveHttp, serveStdio, type HttpServerHandle } from '../../src/tools/servers/serve.js';

/** A real McpServer with one tool; counts instances so the test can see one server per session. */
let created = 0;
function echoServer(): McpServer {
  const id = ++created;
  const server = new McpServer({ name: 'echo', version: '1.0.0' });
  server.registerTool('echo', { description: 'echo', inputSchema: { text: z.string() } }, async ({ text }) => ({
    content: [{ type: 'text', text: `${id}:${text}` }],
  }));
  return server;
}

async function httpClient(url: string): Promise<{ client: Client; transport: StreamableHTTPClientTransport }> {
  const transport = new StreamableHTTPClientTransport(new URL(url));
  const client = new Client({ name: 'serve-test', version: '0.0.0' });
  await client.connect(transport);
  return { client, transport };
}

const initialize = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '0' } },
};

describe('serveHttp', () => {
  let handle: HttpServerHandle | undefined;
  afterEach(async () => {
    await handle?.close();
    handle = undefined;
  });

  it('binds 127.0.0.1 on a free port and gives each session its own server', async () => {
    handle = await serveHttp(echoServer);
    expect(handle.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
    const a = await httpClient(handle.url);
    const b = await httpClient(handle.url);
    expect(handle.sessionCount()).toBe(2);
    expect(a.transport.sessionId).not.toBe(b.transport.sessionId);
    const ra = (await a.client.callTool({ name: 'echo', arguments: { text: 'hi' } })) as CallToolResult;
    const rb = (await b.client.callTool({ name: 'echo', arguments: { text: 'hi' } })) as CallToolResult;
    expect(ra.content[0]).not.toEqual(rb.content[0]); // different server instances answered

    await a.transport.terminateSession(); // HTTP DELETE
    expect(handle.sessionCount()).toBe(1);
    const gone = await fetch(handle.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-session-id': a.transport.sessionId ?? 'x' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }),
    });
    expect(gone.status).toBe(404);
    await a.client.close();
    await b.client.close();
  });

  it('refuses foreign Host and Origin headers (DNS rebinding)', async () => {
    handle = await serveHttp(echoServer);
    const port = new URL(handle.url).port;
    // fetch() will not let us forge Host, so speak raw HTTP/1.1.
    const status = async (headers: Record<string, string>): Promise<number> => {
      const { request } = await import('node:http');
      return new Promise((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port, path: '/mcp', method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
        req.end(JSON.stringify(initialize));
      });
    };
    expect(await status({ host: `evil.example:${port}` })).toBe(403);
    expect(await status({ origin: 'http://evil.example' })).toBe(403);
    expect(await status({ host: `localhost:${port}`, origin: `http://localhost:${port}` })).toBe(200);
  });

  it('enforces the body size limit and the session rules', async () => {
    handle = await serveHttp(echoServer, { maxBodyBytes: 1024 });
    const post = (body: string, headers: Record<string, string> = {}): Promise<Response> =>
      fetch(handle!.url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers }, body });
    expect((await post(JSON.stringify({ ...initialize, pad: 'x'.repeat(2048) }))).status).toBe(413);
    expect((await post('{not json')).status).toBe(400);
    expect((await post(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }))).status).toBe(400);
    expect((await fetch(handle.url, { method: 'PUT' })).status).toBe(405);
    expect((await fetch(handle.url.replace('/mcp', '/other'))).status).toBe(404);
  });

  it('close() ends every session', async () => {
    handle = await serveHttp(echoServer);
    const { client } = await httpClient(handle.url);
    expect(handle.sessionCount()).toBe(1);
    await handle.close();
    expect(handle.sessionCount()).toBe(0);
    await expect(fetch(handle.url, { method: 'POST', body: '{}' })).rejects.toThrow();
    handle = undefined;
    await client.close();
  });
});

describe('serveStdio', () => {
  it('speaks MCP over the given streams and resolves `closed` when input ends', async () => {
    const toServer = new PassThrough();
    const fromServer = new PassThrough();
    const handle = await serveStdio(echoServer(), { stdin: toServer, stdout: fromServer });
    const firstLine = new Promise<string>((resolve) => {
      let buffered = '';
      fromServer.on('data', (d: Buffer) => {
        buffered += d.toString('utf8');
        if (buffered.includes('\n')) resolve(buffered.slice(0, buffered.indexOf('\n')));
      });
    });
    toServer.write(JSON.stringify(initialize) + '\n');
    expect(JSON.parse(await firstLine)).toMatchObject({ id: 1, result: { serverInfo: { name: 'echo' } } });
    toServer.end();
    await handle.closed;
  });
});
