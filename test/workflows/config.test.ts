import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseConfig } from '../../src/config/load.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'firebreak-config-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const env = { GITHUB_TOKEN: 'ghp_xxx', SLACK_BOT_TOKEN: 'xoxb-1' };

function issuesOf(value: unknown): string[] {
  try {
    parseConfig(value, 'firebreak.config.json', dir, env);
  } catch (err) {
    if (err instanceof ConfigError) return [...err.issues];
    throw err;
  }
  return [];
}

describe('firebreak.config.json', () => {
  it('accepts the complete example of docs/config.md as documented', async () => {
    const md = await readFile(new URL('../../docs/config.md', import.meta.url), 'utf8');
    const json = /```json\n([\s\S]*?)\n```/.exec(md)![1]!;
    const config = parseConfig(JSON.parse(json), 'docs/config.md', dir, env);
    expect(config.approval).toEqual({ policy: 'require', timeoutSeconds: 900 });
    expect(config.memory).toBe(`sqlite:${join(dir, '.firebreak/firebreak.db')}`);
    expect(config.postmortemDir).toBe(join(dir, '.firebreak/incidents'));
    expect(config.services['workflows-api']?.repository).toBe('acme/workflows-api');
    expect(config.personas.backend?.budget).toEqual({ turns: 24 });
  });

  it('fills defaults for a minimal config', () => {
    const config = parseConfig({}, 'x', dir, env);
    expect(config).toMatchObject({ model: 'playbook', approval: { policy: 'require' }, deploy: { attempts: 2, lastResort: 'maintenance' }, defaultSeverity: 'p2', mcpServers: {} });
  });

  it('names every bad field', () => {
    expect(issuesOf({ personas: { backend: { budget: { turns: 0 } } } })).toEqual([expect.stringMatching(/^personas\.backend\.budget\.turns: /)]);
    expect(issuesOf({ approval: { policy: 'sometimes' } })[0]).toMatch(/^approval\.policy: /);
    expect(issuesOf({ repository: 'not-a-slug' })[0]).toMatch(/^repository: expected owner\/name/);
    expect(issuesOf({ model: 'gpt' })[0]).toMatch(/^model: /);
    expect(issuesOf({ personas: { sre: {} } })[0]).toMatch(/^personas: Unrecognized key/);
    expect(issuesOf({ verification: { holdSeconds: -1 } })[0]).toMatch(/^verification\.holdSeconds: /);
    expect(issuesOf({ notifier: { page: { webhook: 'not a url' } } })[0]).toMatch(/^notifier\.page/);
    // The MCP server entries are checked with the tool host's own rules.
    expect(issuesOf({ mcpServers: { 'bad.name': { command: 'x' } } })[0]).toMatch(/^mcpServers\.bad\.name: /);
    expect(issuesOf({ mcpServers: { github: { args: [] } } })[0]).toMatch(/^mcpServers\.github\.command: /);
  });

  it('reports unreadable and non-JSON files with the file name', async () => {
    await expect(loadConfig(join(dir, 'missing.json'))).rejects.toThrow(/missing\.json: invalid configuration:\n {2}- cannot read the file: ENOENT/);
    const bad = join(dir, 'bad.json');
    await writeFile(bad, '{ "model": ');
    await expect(loadConfig(bad)).rejects.toThrow(/bad\.json: invalid configuration:\n {2}- not valid JSON/);
  });
});
