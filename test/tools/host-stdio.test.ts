import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { connectTools, type ToolHost, type ToolHostConfig } from '../../src/tools/host/index.js';
import { resultText } from '../../src/tools/types.js';

const FIXTURE = fileURLToPath(new URL('./helpers/host-fixture-server.ts', import.meta.url));

function fixture(env: Record<string, string> = {}): { command: string; args: string[]; env: Record<string, string> } {
  return { command: process.execPath, args: [FIXTURE], env };
}

let host: ToolHost | undefined;
const stopped: number[] = [];
afterEach(async () => {
  for (const pid of stopped.splice(0)) {
    try { process.kill(pid, 'SIGCONT'); } catch { /* already gone */ }
  }
  await host?.close();
  host = undefined;
});

async function start(config: ToolHostConfig): Promise<ToolHost> {
  host = await connectTools({ env: {}, logger: pino({ level: 'silent' }), ...config });
  return host;
}

async function pidOf(tools: ToolHost): Promise<number> {
  const stats = await tools.call('fx.stats', {});
  return (stats.structuredContent as { pid: number }).pid;
}

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const value = await fn();
  return [value, performance.now() - t0];
}

describe('tool host over stdio child processes', () => {
  it('tolerates servers that fail to start: their tools are absent, the error is reported, the rest work', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'warn' }, { write: (s: string) => lines.push(s) });
    const tools = await start({
      logger,
      startupTimeoutMs: 10_000,
      mcpServers: {
        fx: fixture(),
        broken: fixture({ FIXTURE_FAIL_START: 'PROMETHEUS_URL is not set' }),
        missing: { command: '/nonexistent/firebreak-mcp' },
      },
    });
    const status = Object.fromEntries(tools.status().map((s) => [s.name, s]));
    expect(status.fx).toMatchObject({ state: 'connected', tools: 8 });
    expect(status.broken).toMatchObject({ state: 'failed', tools: 0 });
    expect(status.broken?.error).toContain('refusing to start: PROMETHEUS_URL is not set');
    expect(status.missing?.error).toContain("command not found: '/nonexistent/firebreak-mcp'");
    expect(tools.list().every((t) => t.name.startsWith('fx.'))).toBe(true);
    expect(resultText(await tools.call('fx.echo', { text: 'still works' }))).toBe('still works');
    const down = await tools.call('broken.echo', { text: 'x' });
    expect(down.isError).toBe(true);
    expect(resultText(down)).toContain("server 'broken' is unavailable");
    const warned = lines.map((l) => JSON.parse(l) as { server?: string; msg: string; err?: string });
    expect(warned).toContainEqual(expect.objectContaining({ server: 'broken', msg: expect.stringContaining('failed to connect'), err: expect.stringContaining('PROMETHEUS_URL is not set') }));
  });

  it('on timeout, answers isError and sends notifications/cancelled, which the server observes', async () => {
    const tools = await start({ mcpServers: { fx: fixture() }, callTimeoutMs: 300 });
    const [result, ms] = await timed(() => tools.call('fx.slow_write', { ms: 20_000 }));
    expect(result.isError).toBe(true);
    expect(resultText(result)).toContain('no answer within 300 ms; the call was cancelled on the server');
    expect(ms).toBeLessThan(2_000);
    await expect.poll(async () => (await tools.call('fx.stats', {})).structuredContent?.cancellations, { timeout: 3_000 }).toBe(1);
  });

  it('retries read-only tools only', async () => {
    const tools = await start({ mcpServers: { fx: fixture() }, callTimeoutMs: 300, retry: { attempts: 3, initialDelayMs: 10, maxDelayMs: 20 } });
    const read = await tools.call('fx.slow_read', { ms: 5_000, once: true, key: 'r' });
    expect(read.isError).toBeUndefined();
    expect(resultText(read)).toBe('slept for r');
    const write = await tools.call('fx.slow_write', { ms: 5_000, once: true, key: 'w' });
    expect(write.isError).toBe(true);
    const calls = (await tools.call('fx.stats', {})).structuredContent?.calls as Record<string, number>;
    expect(calls).toMatchObject({ slow_read: 2, slow_write: 1 });
  });

  it('reconnects on the next call after the server process is killed or exits mid-call', async () => {
    const tools = await start({ mcpServers: { fx: fixture() }, reconnect: { initialDelayMs: 0, maxDelayMs: 0 } });
    const first = await pidOf(tools);
    process.kill(first, 'SIGKILL');
    await expect.poll(() => tools.status()[0]?.state).toBe('reconnecting');
    expect(resultText(await tools.call('fx.echo', { text: 'back' }))).toBe('back');
    const second = await pidOf(tools);
    expect(second).not.toBe(first);
    const crashed = await tools.call('fx.crash', {});
    expect(crashed.isError).toBe(true);
    expect(resultText(crashed)).toMatch(/server 'fx' is unavailable: .*(closed|Connection)/i);
    expect(resultText(await tools.call('fx.echo', { text: 'again' }))).toBe('again');
    expect(tools.status()[0]).toMatchObject({ state: 'connected', reconnects: 2 });
  });

  it('backs off between reconnect attempts to a server that will not come back, then reconnects', async () => {
    const flag = join(await mkdtemp(join(tmpdir(), 'fb-host-')), 'down');
    const tools = await start({ mcpServers: { fx: fixture({ FIXTURE_FAIL_IF_EXISTS: flag }) }, reconnect: { initialDelayMs: 400, maxDelayMs: 400 }, retry: { attempts: 1 } });
    await writeFile(flag, '');
    process.kill(await pidOf(tools), 'SIGKILL');
    await expect.poll(() => tools.status()[0]?.state).toBe('reconnecting');
    const failed = await tools.call('fx.echo', { text: 'x' });
    expect(resultText(failed)).toMatch(/server 'fx' is unavailable: .*refusing to start: .*down exists; next reconnect attempt in \d+ ms/);
    expect(tools.status()[0]).toMatchObject({ state: 'failed', nextAttemptInMs: expect.any(Number) });
    // Within the backoff the host does not even try: no process is spawned, the answer is immediate.
    const [fast, ms] = await timed(() => tools.call('fx.echo', { text: 'x' }));
    expect(resultText(fast)).toContain('next reconnect attempt in');
    expect(ms).toBeLessThan(50);
    await rm(flag);
    await new Promise((r) => setTimeout(r, 450));
    expect(resultText(await tools.call('fx.echo', { text: 'up again' }))).toBe('up again');
    await rm(dirname(flag), { recursive: true, force: true });
  });

  it('opens the breaker on a hung server so calls fail fast, then recovers through a probe', async () => {
    const tools = await start({
      mcpServers: { fx: fixture() },
      callTimeoutMs: 250,
      retry: { attempts: 1 },
      breaker: { failureThreshold: 2, halfOpenAfterMs: 500 },
    });
    const pid = await pidOf(tools);
    process.kill(pid, 'SIGSTOP');
    stopped.push(pid);
    for (let i = 0; i < 2; i++) expect(resultText(await tools.call('fx.echo', { text: 'x' }))).toContain('no answer within 250 ms');
    const [refused, ms] = await timed(() => tools.call('fx.echo', { text: 'x' }));
    expect(refused.isError).toBe(true);
    expect(resultText(refused)).toContain("server 'fx' keeps failing");
    expect(ms).toBeLessThan(50);
    expect(tools.status()[0]?.breaker).toBe('open');
    process.kill(pid, 'SIGCONT');
    await new Promise((r) => setTimeout(r, 550));
    expect(resultText(await tools.call('fx.echo', { text: 'recovered' }))).toBe('recovered');
    expect(tools.status()[0]?.breaker).toBe('closed');
  });

  it('redacts a canary secret passed to the server before the result reaches a model', async () => {
    const canary = 'canary-7f3a9c2e51d8';
    const tools = await start({ env: { CANARY: canary }, mcpServers: { fx: fixture({ CANARY_SECRET: '${CANARY}' }) } });
    const leak = await tools.call('fx.leak', {});
    const everything = JSON.stringify(leak);
    expect(everything).not.toContain(canary);
    expect(everything).not.toContain('hunter2');
    expect(resultText(leak)).toBe('connected with key [REDACTED] to db');
    expect(leak.structuredContent).toEqual({ note: 'key=[REDACTED]', password: '[REDACTED]' });
  });
});
