import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { run, step, type StepEvent } from '../../src/primitives/index.js';
import { connectTools, type ToolHost, type ToolHostEvent } from '../../src/tools/host/index.js';
import { resultText } from '../../src/tools/types.js';
import { createFixtureServer, newFixtureState, type FixtureState } from './helpers/host-fixture-server.js';

let host: ToolHost | undefined;
afterEach(async () => {
  await host?.close();
  host = undefined;
});

async function memoryHost(state: FixtureState = newFixtureState(), extra: Record<string, unknown> = {}): Promise<ToolHost> {
  host = await connectTools({ mcpServers: { fx: { server: () => createFixtureServer(state) } }, env: {}, logger: pino({ level: 'silent' }), ...extra });
  return host;
}

describe('tool host over in-memory transports', () => {
  it('lists tools as server.tool with annotations, and passes text and structuredContent through', async () => {
    const tools = await memoryHost();
    const echo = tools.list().find((t) => t.name === 'fx.echo');
    expect(echo?.annotations?.readOnlyHint).toBe(true);
    expect(echo?.inputSchema).toMatchObject({ type: 'object', properties: { text: { type: 'string' } } });
    const result = await tools.call('fx.echo', { text: 'hi' });
    expect(result).toEqual({ content: [{ type: 'text', text: 'hi' }], structuredContent: { text: 'hi' } });
    expect(tools.status()).toEqual([expect.objectContaining({ name: 'fx', state: 'connected', tools: 8, breaker: 'closed', transport: 'server' })]);
  });

  it('accepts a transport factory (one side of an InMemoryTransport pair)', async () => {
    host = await connectTools({
      mcpServers: {
        pair: {
          transport: async () => {
            const [client, server] = InMemoryTransport.createLinkedPair();
            await createFixtureServer().connect(server);
            return client;
          },
        },
      },
    });
    expect(resultText(await host.call('pair.echo', { text: 'via pair' }))).toBe('via pair');
  });

  it('answers unknown tools and servers with an isError result listing what exists', async () => {
    const tools = await memoryHost();
    const unknown = await tools.call('fx.nope', {});
    expect(unknown.isError).toBe(true);
    expect(resultText(unknown)).toMatch(/unknown tool 'fx.nope'\. Available tools: fx\.echo/);
    const noServer = await tools.call('ghost.tool', {});
    expect(noServer.isError).toBe(true);
    expect(resultText(noServer)).toContain("unknown tool 'ghost.tool'");
  });

  it('passes bad arguments to the server, whose isError answer names the field', async () => {
    const tools = await memoryHost();
    const bad = await tools.call('fx.echo', { text: 42 });
    expect(bad.isError).toBe(true);
    expect(resultText(bad)).toMatch(/text/);
  });

  it('refreshes the tool list on notifications/tools/list_changed', async () => {
    const tools = await memoryHost();
    const seen: ToolHostEvent[] = [];
    tools.onEvent((e) => seen.push(e));
    expect(tools.list().some((t) => t.name === 'fx.late_tool')).toBe(false);
    await tools.call('fx.add_tool', { name: 'late_tool' });
    await expect.poll(() => tools.list().some((t) => t.name === 'fx.late_tool'), { timeout: 2_000 }).toBe(true);
    expect(resultText(await tools.call('fx.late_tool', {}))).toBe('hello from late_tool');
    expect(seen).toContainEqual(expect.objectContaining({ type: 'server.tools', server: 'fx', tools: 9 }));
  });

  it('truncates oversize results with a marker and drops oversize structuredContent', async () => {
    const tools = await memoryHost(newFixtureState(), { maxResultBytes: 1_000 });
    const big = await tools.call('fx.big', { bytes: 5_000, structured: true });
    expect(big.isError).toBeUndefined();
    expect(big.structuredContent).toBeUndefined();
    const first = big.content[0];
    expect(first?.type === 'text' && Buffer.byteLength(first.text as string)).toBeLessThanOrEqual(1_000);
    // Cut on a character boundary: no U+FFFD from a split 'é'.
    expect(resultText(big)).not.toContain('\uFFFD');
    expect(resultText(big)).toMatch(/\[firebreak: structuredContent \(\d+ bytes\) omitted: over the 1000-byte limit; result truncated: showing \d+ of 5000 bytes/);
    const small = await tools.call('fx.big', { bytes: 100 });
    expect(resultText(small)).toBe('é'.repeat(50));
  });

  it('makes every call an event in the caller run timeline', async () => {
    const tools = await memoryHost();
    const events: StepEvent[] = [];
    const investigate = step('investigate', async (_: void, ctx) => {
      await tools.call('fx.echo', { text: 'a' }, { ctx });
      await tools.call('fx.nope', {}, { ctx });
    });
    await run(investigate, undefined, { onEvent: (e) => events.push(e) });
    const calls = events.filter((e) => e.type === 'custom' && e.name === 'tool.call');
    expect(calls.map((e) => e.type === 'custom' && e.data)).toEqual([
      expect.objectContaining({ server: 'fx', tool: 'echo', outcome: 'ok', bytes: expect.any(Number), durationMs: expect.any(Number) }),
      expect.objectContaining({ server: 'fx', tool: 'nope', outcome: 'unknown-tool' }),
    ]);
    expect(calls[0]?.path).toBe('investigate');
    // The call itself is a step in the timeline, under the caller's path.
    expect(events).toContainEqual(expect.objectContaining({ type: 'end', path: 'investigate/fx.echo', kind: 'tool' }));
  });

  it("rejects only on the caller's own abort, and the server sees the cancellation", async () => {
    const state = newFixtureState();
    const tools = await memoryHost(state);
    const controller = new AbortController();
    const pending = tools.call('fx.slow_write', { ms: 10_000 }, { signal: controller.signal });
    setTimeout(() => controller.abort(new Error('persona gave up')), 50);
    await expect(pending).rejects.toThrow('persona gave up');
    await expect.poll(() => state.cancellations).toBe(1);
  });

  it('applies backpressure: a full bulkhead answers isError at once', async () => {
    const tools = await memoryHost(newFixtureState(), { bulkhead: { concurrency: 1, queue: 0 }, retry: { attempts: 1 } });
    const slow = tools.call('fx.slow_write', { ms: 300 });
    const rejected = await tools.call('fx.echo', { text: 'x' });
    expect(rejected.isError).toBe(true);
    expect(resultText(rejected)).toContain('saturated (1 calls running, 0 queued)');
    expect((await slow).isError).toBeUndefined();
  });

  it('answers calls after close() with an isError result', async () => {
    const tools = await memoryHost();
    await tools.close();
    const after = await tools.call('fx.echo', { text: 'x' });
    expect(after.isError).toBe(true);
    expect(resultText(after)).toContain('the tool host is closed');
    expect(tools.status()[0]?.state).toBe('closed');
  });
});
