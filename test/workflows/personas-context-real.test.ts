// With the real built-in MCP servers (in process: grafana over Prometheus and log files, github over the
// forge, sandbox, deploy), the workflow's personas see every tool description in full.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { measureFixedContext } from '../../src/personas/index.js';
import { connectTools, type ToolHost } from '../../src/tools/host/index.js';
import { PERSONA_NAMES, workflowPersonas } from '../../src/workflows/index.js';
import { startWorld, type World } from './helpers/world.js';

let world: World;
let tools: ToolHost;

beforeAll(async () => {
  world = await startWorld();
  tools = await connectTools({ mcpServers: world.mcpServers() as never });
}, 60_000);

afterAll(async () => {
  await tools?.close();
  await world?.stop();
});

describe('workflow personas: fixed context with the real tool servers', () => {
  it('fits each budget with no tool description cut', () => {
    const personas = workflowPersonas();
    for (const name of PERSONA_NAMES) {
      const size = measureFixedContext(personas[name], tools.list());
      expect(size.compaction, `${name}: ${size.systemTokens} system + ${size.toolTokens} tools > ${size.limit}`).toBe(0);
    }
  });
});
