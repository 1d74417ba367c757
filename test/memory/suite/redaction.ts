import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { MemoryKeyError } from '../../../src/memory/index.js';
import type { Harness } from '../conformance.js';

/** Canary secrets: each unique, so finding one in raw storage can only mean it leaked. */
function canaries() {
  const r = (): string => randomBytes(6).toString('hex');
  return {
    anthropic: `sk-ant-canary${r()}${r()}`,
    envOnly: `plainlooking${r()}`,
    bearer: `canaryBearer${r()}`,
    password: `canaryPw${r()}`,
    pem: `MIIEcanaryPem${r()}`,
    field: `canaryField${r()}`,
    camel: `canaryCamel${r()}`,
    urlPassword: `canaryUrl${r()}`,
    marker: `visiblemarker${r()}`,
  };
}

export function redactionSuite(h: Harness): void {
  describe('secrets never reach storage', () => {
    it('redacts env secrets, bearer tokens, password=, PEM keys, secret fields and URL passwords', async () => {
      const c = canaries();
      // One secret comes from the real process environment (read at open), one from the `env` option.
      process.env.FIREBREAK_CANARY_TOKEN = c.envOnly;
      const store = await h.open({ env: { ...process.env, ANTHROPIC_API_KEY: c.anthropic } });
      delete process.env.FIREBREAK_CANARY_TOKEN;
      const ns = h.ns();
      const leaky = {
        marker: c.marker,
        summary: `called the model with ${c.anthropic}; the agent echoed ${c.envOnly}`,
        request: { headers: `Authorization: Bearer ${c.bearer}` },
        log: `db connect failed: password=${c.password} host=db`,
        key: `-----BEGIN RSA PRIVATE KEY-----\n${c.pem}\nabc\n-----END RSA PRIVATE KEY-----`,
        password: c.field,
        githubToken: c.camel,
        dsn: `postgres://admin:${c.urlPassword}@db:5432/app`,
      };
      await store.put(ns, 'evidence', leaky);
      await store.append(ns, { type: 'tool.call', args: leaky });
      await store.appendMany(ns, [leaky.summary, leaky.log]);

      const stored = JSON.stringify(await store.get(ns, 'evidence'));
      expect(stored).toContain(c.marker);
      expect(stored).toContain('[REDACTED]');
      const raw = await h.target.rawDump(store);
      // The dump is real: the harmless marker is in it, the secrets are not.
      expect(raw).toContain(c.marker);
      for (const [name, secret] of Object.entries(c)) {
        if (name !== 'marker') expect(raw.includes(secret), `${name} canary found in raw ${h.target.name} storage`).toBe(false);
      }
      expect(await store.search(ns, c.anthropic)).toEqual([]);
      expect(await store.search(ns, c.field)).toEqual([]);
    });

    it('refuses a key that looks like a secret rather than storing it', async () => {
      const ns = h.ns();
      await expect(h.store.put(ns, 'Bearer abcdefghijklmnop', 1)).rejects.toBeInstanceOf(MemoryKeyError);
      await expect(h.store.put('token=abcdefgh', 'k', 1)).rejects.toThrow(/ns looks like it contains a secret/);
    });
  });
}
