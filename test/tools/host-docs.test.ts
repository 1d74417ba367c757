import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { resolveHostConfig } from '../../src/tools/host/index.js';

// docs/mcp-servers.md must not drift: every ```json block parses, and every server block in it is a
// config the tool host itself accepts (VS Code's ${input:...} prompts stood in for by env vars).

const DOC = new URL('../../docs/mcp-servers.md', import.meta.url);

async function jsonBlocks(): Promise<string[]> {
  const text = await readFile(DOC, 'utf8');
  return [...text.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');
}

describe('docs/mcp-servers.md', () => {
  it('has JSON snippets for every client, each valid JSON', async () => {
    const blocks = await jsonBlocks();
    expect(blocks.length).toBeGreaterThanOrEqual(5);
    for (const block of blocks) expect(() => JSON.parse(block), block.slice(0, 80)).not.toThrow();
  });

  it('uses only server configs the tool host accepts, for all three built-in servers', async () => {
    const seen = new Set<string>();
    for (const block of await jsonBlocks()) {
      const parsed = JSON.parse(block.replaceAll('${input:', '${')) as Record<string, unknown>;
      delete parsed.inputs;
      const referenced = [...block.matchAll(/\$\{(?:env:|input:)?([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1] ?? '');
      const env = Object.fromEntries(referenced.map((name) => [name, `value-of-${name}`]));
      const config = resolveHostConfig({ ...parsed, env });
      for (const { server } of config.servers) {
        if (server.kind === 'stdio') {
          expect(server.command).toBe('npx');
          const tool = server.args[server.args.indexOf('tools') + 1];
          expect(['grafana', 'github', 'sandbox']).toContain(tool);
          seen.add(tool ?? '');
        } else {
          expect(server).toMatchObject({ kind: 'http', url: 'http://127.0.0.1:8811/mcp' });
        }
      }
    }
    expect([...seen].sort()).toEqual(['github', 'grafana', 'sandbox']);
  });
});
