import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runInspector } from '../tools/helpers/inspector.js';

// The official MCP Inspector CLI (a client nobody here wrote) against `firebreak mcp` over stdio, zero-config.

const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
const server: [string, ...string[]] = [process.execPath, CLI, 'mcp'];

describe('firebreak mcp under the MCP Inspector CLI', () => {
  it('tools/list: every tool, schemas portable (--strict finds nothing)', async () => {
    const r = await runInspector({ args: ['--method', 'tools/list', '--strict'], server });
    expect(r.code, r.stderr).toBe(0);
    const tools = (r.json as { result: { tools: { name: string; annotations?: Record<string, boolean> }[] } }).result.tools;
    expect(tools.map((t) => t.name).sort()).toEqual(['drill_list', 'drill_run', 'incident_approve', 'incident_list', 'incident_reject', 'incident_respond', 'incident_status', 'persona_ask']);
    expect(r.stderr).not.toMatch(/Warning: tool/);
  });

  it('tools/call drill_list and incident_list', async () => {
    const drills = await runInspector({ args: ['--method', 'tools/call', '--tool-name', 'drill_list'], server });
    expect(drills.code, drills.stderr).toBe(0);
    const scenarios = (drills.json as { result: { structuredContent: { scenarios: { name: string }[] } } }).result.structuredContent.scenarios;
    expect(scenarios.map((s) => s.name)).toContain('pool-exhaustion');

    const incidents = await runInspector({ args: ['--method', 'tools/call', '--tool-name', 'incident_list'], server });
    expect(incidents.code, incidents.stderr).toBe(0);
    expect((incidents.json as { result: { structuredContent: unknown } }).result.structuredContent).toEqual({ incidents: [] });
  });
});
