import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { connectTools, type ToolHost } from '../../src/tools/host/index.js';
import { resultText } from '../../src/tools/types.js';
import { startHttpFixture, type HttpFixture } from './helpers/host-http-fixture.js';

const TOKEN = 'fbk-http-token-93c1d0aa';
let host: ToolHost | undefined;
let fixture: HttpFixture | undefined;
afterEach(async () => {
  await host?.close();
  await fixture?.close();
  host = undefined;
  fixture = undefined;
});

async function connect(url: string, token = '${MCP_TOKEN}'): Promise<ToolHost> {
  host = await connectTools({
    env: { MCP_TOKEN: TOKEN },
    logger: pino({ level: 'silent' }),
    reconnect: { initialDelayMs: 0, maxDelayMs: 0 },
    mcpServers: { remote: { type: 'http', url, headers: { Authorization: `Bearer ${token}` } } },
  });
  return host;
}

describe('tool host over Streamable HTTP', () => {
  it('connects with ${VAR}-expanded headers and never shows the credential to the model', async () => {
    fixture = await startHttpFixture(TOKEN);
    const tools = await connect(fixture.url);
    expect(tools.status()[0]).toMatchObject({ state: 'connected', transport: 'http', tools: 9 });
    expect(resultText(await tools.call('remote.echo', { text: 'over http' }))).toBe('over http');
    const whoami = resultText(await tools.call('remote.whoami', {}));
    expect(whoami).not.toContain(TOKEN);
    expect(whoami).toBe('authorization: [REDACTED]');
  });

  it('reports a rejected credential as a failed server', async () => {
    fixture = await startHttpFixture(TOKEN);
    const tools = await connect(fixture.url, 'wrong-token-123');
    expect(tools.status()[0]).toMatchObject({ state: 'failed', tools: 0 });
    expect(tools.status()[0]?.error).toMatch(/HTTP 401: .*unauthorized/);
    expect(tools.list()).toEqual([]);
  });

  it('opens a new session when the server forgets the old one (restart), within the same call', async () => {
    fixture = await startHttpFixture(TOKEN);
    const tools = await connect(fixture.url);
    expect(resultText(await tools.call('remote.echo', { text: 'one' }))).toBe('one');
    await fixture.dropSessions();
    // echo is read-only, so the failed attempt is retried on a fresh session.
    expect(resultText(await tools.call('remote.echo', { text: 'two' }))).toBe('two');
    expect(tools.status()[0]).toMatchObject({ state: 'connected', reconnects: 1 });
  });

  it('answers isError when the server is gone', async () => {
    fixture = await startHttpFixture(TOKEN);
    const tools = await connect(fixture.url);
    await fixture.close();
    fixture = undefined;
    const gone = await tools.call('remote.slow_write', { ms: 1 });
    expect(gone.isError).toBe(true);
    expect(resultText(gone)).toContain("server 'remote' is unavailable");
  });
});
