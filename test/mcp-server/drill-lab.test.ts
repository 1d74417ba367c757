import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CallToolResultSchema, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseModelChoice, modelChoiceLabel } from '../../src/drills/model-choice.js';
import { defaultPostmortem, defaultResponder } from '../../src/drills/responder.js';
import { drillDesk } from '../../src/mcp-server/drill-desk.js';
import { prometheusAvailable } from '../lab/helpers/lab.js';
import { connectInMemory, type Connected } from './helpers/client.js';
import { quiet, startWorld, type World } from './helpers/world.js';

// drill_run for real: the shipped bad-deploy scenario (the shortest) in a real lab (target service, Prometheus, git forge,
// deployer, load), answered by the real incident workflow with the shipped playbooks (no LLM), through the MCP
// server. About a minute of wall time; the other drill tests use an in-process lab double.

const available = prometheusAvailable('mcp drill_run on a real lab');

describe.skipIf(!available)('drill_run on a real lab', () => {
  let world: World;
  let out: string;
  let conn: Connected;

  beforeAll(async () => {
    world = await startWorld();
    out = await mkdtemp(join(tmpdir(), 'fb-mcp-drill-lab-'));
    const choice = parseModelChoice('playbook');
    const desk = drillDesk({ respond: await defaultResponder(choice, { logger: quiet }), model: modelChoiceLabel(choice), outDir: out, postmortem: defaultPostmortem(), logger: quiet });
    conn = await connectInMemory(world.deps(desk));
  });

  afterAll(async () => {
    await conn?.close();
    await world?.close();
    await rm(out, { recursive: true, force: true });
  });

  it('runs bad-deploy end to end with progress per phase and writes the reports', async () => {
    const messages: string[] = [];
    const result = (await conn.client.callTool(
      { name: 'drill_run', arguments: { scenario: 'bad-deploy' } },
      CallToolResultSchema,
      { onprogress: (p) => messages.push(String(p.message)), timeout: 600_000, resetTimeoutOnProgress: true },
    )) as CallToolResult;
    expect(result.isError, JSON.stringify(result.content)).toBeFalsy();
    const report = result.structuredContent as { scenario: string; model: string; cancelled: boolean; passed: boolean; reason?: string; score: Record<string, unknown>; reports: Record<string, string> };
    expect(report).toMatchObject({ scenario: 'bad-deploy', model: 'playbook (no LLM)', cancelled: false });
    const phases = (JSON.parse(readFileSync(report.reports.json!, 'utf8')) as { phases: unknown }).phases;
    expect(report.score, JSON.stringify({ report, phases })).toMatchObject({ detected: true });
    expect(typeof report.score.ttdMs).toBe('number');
    expect(messages[0]).toBe('start started');
    expect(messages.at(-1)).toBe('teardown done');
    for (const phase of ['warmup', 'inject', 'detect', 'respond']) expect(messages).toContain(`${phase} started`);
    const json = JSON.parse(readFileSync(report.reports.json!, 'utf8')) as { scenario: string; passed: boolean };
    expect(json).toMatchObject({ scenario: 'bad-deploy', passed: report.passed });
    expect(existsSync(report.reports.html!) && existsSync(report.reports.markdown!)).toBe(true);
    if (!report.passed) console.warn(`[drill-lab] bad-deploy did not pass: ${report.reason ?? 'no reason'}`);
  }, 600_000);
});
