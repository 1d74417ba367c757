import { describe, expect, it } from 'vitest';
import { resolveHostConfig } from '../../src/tools/host/index.js';

describe('tool host config env', () => {
  it('accepts process.env itself for ${VAR} expansion', () => {
    process.env.FB_TEST_SERVER_ARG = 'from-env';
    try {
      const resolved = resolveHostConfig({ mcpServers: { s: { command: 'node', args: ['${FB_TEST_SERVER_ARG}'] } }, env: process.env });
      expect(JSON.stringify(resolved.servers[0])).toContain('from-env');
    } finally {
      delete process.env.FB_TEST_SERVER_ARG;
    }
  });

  it('names the field when env is not an environment', () => {
    expect(() => resolveHostConfig({ mcpServers: {}, env: { A: 1 } as never })).toThrow(/env/);
  });
});
