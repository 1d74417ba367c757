import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LoadSpecError, startLoad } from '../../src/lab/load/generator.js';
import { burst, profileDurationMs } from '../../src/lab/load/profile.js';
import { percentile, type LoadStats } from '../../src/lab/load/stats.js';
import { distEntry, spawnChild } from '../../src/lab/process.js';

/** A real HTTP server: /ok answers 200 after 20 ms, /flaky 500 every other request, /hang never answers. */
async function startServer(): Promise<{ server: Server; url: string; bodies: string[]; hanging: ServerResponse[] }> {
  const bodies: string[] = [];
  const hanging: ServerResponse[] = [];
  let n = 0;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      if (body) bodies.push(body);
      if (req.url === '/hang') return void hanging.push(res);
      const status = req.url === '/flaky' && n++ % 2 === 1 ? 500 : 200;
      setTimeout(() => res.writeHead(status).end('{}'), 20);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  if (addr === null || typeof addr === 'string') throw new Error('no address');
  return { server, url: `http://127.0.0.1:${addr.port}`, bodies, hanging };
}

describe('load generator', () => {
  let srv: Awaited<ReturnType<typeof startServer>>;
  beforeAll(async () => {
    srv = await startServer();
  });
  afterAll(async () => {
    for (const res of srv.hanging) res.destroy();
    srv.server.closeAllConnections();
    await new Promise((resolve) => srv.server.close(resolve));
  });

  it('sends a steady rate on schedule, stops by itself, and reports statuses and latency', async () => {
    const load = startLoad({ url: srv.url, path: '/flaky', body: { orderId: 'x-1' }, profile: { kind: 'steady', ratePerSec: 40, durationMs: 1_000 } });
    const stats = await load.done;
    expect(stats.sent).toBe(40);
    expect(stats.completed).toBe(40);
    expect(stats.inFlight).toBe(0);
    expect(stats.byStatus).toEqual({ '200': 20, '500': 20 });
    expect(stats.errorRate).toBe(0.5);
    expect(stats.latencyMs.p50).toBeGreaterThanOrEqual(20);
    expect(stats.latencyMs.p95).toBeLessThan(500);
    expect(srv.bodies).toContain('{"orderId":"x-1"}');
    expect(load.elapsedMs()).toBeLessThan(2_000);
  });

  it('runs the phases of a burst profile (baseline, 3x, baseline) and cuts stats by window', async () => {
    const profile = burst({ baselineRatePerSec: 10, multiplier: 3, warmupMs: 500, burstMs: 500, cooldownMs: 500 });
    expect(profileDurationMs(profile)).toBe(1_500);
    const load = startLoad({ url: srv.url, path: '/ok', method: 'GET', profile });
    const all = await load.done;
    expect(all.sent).toBe(5 + 15 + 5);
    expect(load.stats({ fromMs: 500, toMs: 1_000 }).sent).toBe(15);
    expect(load.stats({ fromMs: 0, toMs: 500 }).sentPerSec).toBe(10);
  });

  it('never exceeds maxInFlight (drops instead) and stop() ends a run early', async () => {
    const load = startLoad({ url: srv.url, path: '/hang', method: 'GET', maxInFlight: 5, profile: { kind: 'steady', ratePerSec: 100, durationMs: 10_000 } });
    await new Promise((r) => setTimeout(r, 300));
    const during = load.stats();
    expect(during.sent).toBe(5);
    expect(during.inFlight).toBe(5);
    expect(during.dropped).toBeGreaterThan(15);
    const final = await load.stop();
    expect(final.completed).toBe(0); // aborted requests are not counted as outcomes
    expect(load.elapsedMs()).toBeLessThan(2_000);
  });

  it('bounds the total by maxRequests and times out slow requests', async () => {
    const load = startLoad({ url: srv.url, path: '/hang', method: 'GET', maxRequests: 3, requestTimeoutMs: 100, profile: { kind: 'steady', ratePerSec: 50, durationMs: 200 } });
    const stats = await load.done;
    expect(stats.sent).toBe(3);
    expect(stats.byStatus).toEqual({ timeout: 3 });
    expect(stats.errorRate).toBe(1);
  });

  it('rejects an invalid spec naming the field', () => {
    expect(() => startLoad({ url: srv.url, profile: { kind: 'steady', ratePerSec: -1, durationMs: 100 } })).toThrow(LoadSpecError);
    expect(() => startLoad({ url: 'ftp://x', profile: { kind: 'steady', ratePerSec: 1, durationMs: 100 } })).toThrow(/url/);
    expect(() => startLoad({ url: srv.url, profile: { kind: 'steady', ratePerSec: -1, durationMs: 100 } })).toThrow(/profile\.ratePerSec/);
  });

  it('computes nearest-rank percentiles', () => {
    const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(sorted, 50)).toBe(50);
    expect(percentile(sorted, 95)).toBe(95);
    expect(percentile([], 95)).toBe(0);
  });

  it('runs as a child process and prints its final stats as a JSON line', async () => {
    const lines: string[] = [];
    const spec = { url: srv.url, path: '/ok', method: 'GET', profile: { kind: 'steady', ratePerSec: 20, durationMs: 500 } };
    const child = await spawnChild({ name: 'load', waitFor: 'spawn', args: [distEntry('lab/load/main.js'), '--spec', JSON.stringify(spec), '--progress-ms', '200'], onStdoutLine: (l) => lines.push(l) });
    expect(await child.exited).toEqual({ code: 0, signal: null });
    const parsed = lines.map((l) => JSON.parse(l) as { stats?: LoadStats; progress?: LoadStats });
    expect(parsed.some((p) => p.progress)).toBe(true);
    expect(parsed.at(-1)?.stats).toMatchObject({ sent: 10, completed: 10, byStatus: { '200': 10 } });
  });

  it('as a child process exits 78 with the bad field on an invalid spec', async () => {
    const child = await spawnChild({ name: 'load', waitFor: 'spawn', args: [distEntry('lab/load/main.js'), '--spec', JSON.stringify({ url: srv.url, profile: { kind: 'burst' } })] });
    expect((await child.exited).code).toBe(78);
    expect(child.stderr()).toContain('profile.baselineRatePerSec');
  });
});
