import { existsSync, readFileSync } from 'node:fs';
import { CallToolResultSchema, type CallToolResult, type Progress } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drillDesk } from '../../src/mcp-server/drill-desk.js';
import { call, callError, connectInMemory, eventually, type Connected } from './helpers/client.js';
import { quickDrills, type QuickDrills } from './helpers/quick-drills.js';
import { quiet, startWorld, type World } from './helpers/world.js';

// drill_list over the shipped scenarios; drill_run through the real drill runner and report writer, with an
// in-process lab double (see helpers/quick-drills.ts; drill-lab.test.ts runs a real lab).

let world: World;
let quick: QuickDrills;
let slow: QuickDrills;
const open: Connected[] = [];

beforeAll(async () => {
  world = await startWorld();
  quick = await quickDrills();
  slow = await quickDrills({ respondMs: 60_000 });
});

afterAll(async () => {
  await Promise.all(open.map((c) => c.close()));
  await world?.close();
  await quick?.close();
  await slow?.close();
});

async function session(desk: QuickDrills['desk']): Promise<Connected> {
  const c = await connectInMemory(world.deps(desk));
  open.push(c);
  return c;
}

describe('drill_list', () => {
  it('lists the shipped scenarios, never their expected answers', async () => {
    const shipped = drillDesk({ respond: () => Promise.reject(new Error('not used')), model: 'none', outDir: '/nonexistent', logger: quiet });
    const c = await session(shipped);
    const { scenarios } = await call(c.client, 'drill_list');
    const names = (scenarios as { name: string }[]).map((s) => s.name);
    expect(names).toEqual(expect.arrayContaining(['pool-exhaustion', 'retry-storm', 'bad-deploy']));
    expect(scenarios).toContainEqual({ name: 'pool-exhaustion', title: 'Database connection pool exhaustion under 3x traffic', seed: '004', target: 'builtin' });
    expect(JSON.stringify(scenarios)).not.toMatch(/resource-exhaustion|database-connection-pool/);
  });
});

describe('drill_run', () => {
  it('runs a drill, reporting each phase as progress, and returns the score and report paths', async () => {
    const c = await session(quick.desk);
    const progress: Progress[] = [];
    const result = (await c.client.callTool({ name: 'drill_run', arguments: { scenario: 'pool-exhaustion' } }, CallToolResultSchema, { onprogress: (p) => progress.push(p) })) as CallToolResult;
    expect(result.isError, JSON.stringify(result.content)).toBeFalsy();
    const report = result.structuredContent as { passed: boolean; score: Record<string, unknown>; reports: Record<string, string>; model: string };
    expect(report).toMatchObject({ passed: true, cancelled: false, model: 'stub responder', score: { detected: true, localized: true, rootCause: true, mitigated: true } });
    for (const file of [report.reports.json, report.reports.html, report.reports.markdown]) expect(existsSync(file!)).toBe(true);
    expect(JSON.parse(readFileSync(report.reports.json!, 'utf8'))).toMatchObject({ scenario: 'pool-exhaustion', passed: true });
    expect(progress.map((p) => p.message)).toEqual([
      'start started', 'start done', 'warmup started', 'warmup done', 'inject started', 'inject done', 'detect started', 'detect done',
      'respond started', 'respond done', 'verify started', 'verify done', 'teardown started', 'teardown done',
    ]);
    expect(progress.every((p) => p.total === 14)).toBe(true);
  });

  it('cancelling stops the drill, tears the lab down, still writes the report, and frees the desk', async () => {
    const c = await session(slow.desk);
    const controller = new AbortController();
    const progress: string[] = [];
    const running = c.client.callTool({ name: 'drill_run', arguments: { scenario: 'pool-exhaustion' } }, CallToolResultSchema, {
      signal: controller.signal,
      onprogress: (p) => progress.push(String(p.message)),
    });
    await eventually('the respond phase', () => progress.includes('respond started'));
    // One drill at a time: a second run is refused while this one runs.
    const other = await session(slow.desk);
    expect(await callError(other.client, 'drill_run', { scenario: 'pool-exhaustion' })).toMatch(/DrillBusyError: drill 'pool-exhaustion' is running/);
    controller.abort(new Error('stop the drill'));
    await expect(running).rejects.toThrow(/stop the drill|abort/i);
    await eventually('the lab torn down', () => slow.labs.started === 1 && slow.labs.stopped === 1);
    const reportFile = `${slow.outDir}/pool-exhaustion/report.json`;
    await eventually('the report', () => existsSync(reportFile) && (JSON.parse(readFileSync(reportFile, 'utf8')) as { cancelled: boolean }).cancelled);
    // The desk is free again (the cancelled run released it).
    await eventually('the desk free', async () => !/DrillBusyError/.test(await callError(other.client, 'drill_run', { scenario: 'no-such' })));
  });

  it('refuses unknown scenarios and anything that looks like a path', async () => {
    const c = await session(quick.desk);
    expect(await callError(c.client, 'drill_run', { scenario: 'no-such' })).toMatch(/unknown scenario 'no-such' \(known: pool-exhaustion\)/);
    expect(await callError(c.client, 'drill_run', { scenario: '../../etc/passwd' })).toMatch(/unknown scenario/);
    expect(await callError(c.client, 'drill_run', { scenario: '/tmp/evil.yaml' })).toMatch(/unknown scenario/);
    expect(quick.labs.started).toBe(1); // only the first test's drill ever started a lab
  });
});
