import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  isSecretKeyName, REDACTED, redactJson, redactText, secretValuesFromEnv,
} from '../../src/security/redact.js';

const NO_ENV = {};

describe('secretValuesFromEnv', () => {
  it('takes values of known and secret-named variables, longest first, ignoring short ones', () => {
    const env = {
      ANTHROPIC_API_KEY: 'sk-ant-xyz123456', DB_PASSWORD: 'hunter22', MY_SERVICE_TOKEN: 'tok-abcdefghij',
      STRIPE_SECRET: 'shh-secret', FEATURE_FLAG: 'enabled-everywhere', SHORT_TOKEN: '12345', HOME: '/root',
    };
    expect(secretValuesFromEnv(env)).toEqual(['sk-ant-xyz123456', 'tok-abcdefghij', 'shh-secret', 'hunter22']);
  });
});

describe('redactText', () => {
  it('removes env secret values wherever they appear, even without a recognisable shape', () => {
    const env = { GRAFANA_SERVICE_ACCOUNT_TOKEN: 'plainvalue42' };
    expect(redactText('auth=plainvalue42;x=plainvalue42', { env })).toBe(`auth=${REDACTED};x=${REDACTED}`);
    expect(redactText('nothing here', { env })).toBe('nothing here');
  });

  it('removes literal secrets longest first, so a short one inside a long one leaves no residue', () => {
    const out = redactText('key=abcdef123456 and abc', { secrets: ['abc'], env: { API_TOKEN: 'abcdef123456' } });
    expect(out).not.toMatch(/def123456/);
    expect(out).toBe(`key=${REDACTED} and ${REDACTED}`);
  });

  const shapes: [string, string, string][] = [
    ['PEM private key', '-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\nabc\n-----END RSA PRIVATE KEY-----', 'MIIEowIBAAKCAQEA'],
    ['EC private key', 'k: -----BEGIN EC PRIVATE KEY-----MHcCAQEEI-----END EC PRIVATE KEY-----', 'MHcCAQEEI'],
    ['bearer token', 'Authorization: Bearer eyabc.def-ghi_jkl', 'eyabc.def-ghi_jkl'],
    ['basic auth', 'Authorization: Basic dXNlcjpwYXNzd29yZA==', 'dXNlcjpwYXNzd29yZA=='],
    ['Anthropic key', 'key sk-ant-api03-AbCdEf123456', 'sk-ant-api03-AbCdEf123456'],
    ['OpenAI key', 'sk-abcdefghijklmnopqrstuvwx', 'sk-abcdefghijklmnopqrstuvwx'],
    ['GitHub token', 'push with ghp_abcdefghijklmnopqrstuvwxyz0123', 'ghp_abcdefghijklmnopqrstuvwxyz0123'],
    ['GitHub fine-grained', 'github_pat_11ABCDEFG0123456789_abcdefghij', 'github_pat_11ABCDEFG0123456789_abcdefghij'],
    ['GitLab token', 'glpat-abcdefghij0123456789', 'glpat-abcdefghij0123456789'],
    ['Slack token', 'xoxb-1234567890-abcdefghij', 'xoxb-1234567890-abcdefghij'],
    ['AWS key id', 'AKIAIOSFODNN7EXAMPLE', 'AKIAIOSFODNN7EXAMPLE'],
    ['Google API key', 'AIzaSyA-abcdefghijklmnopqrstuvwxyz01234', 'AIzaSyA-abcdefghijklmnopqrstuvwxyz01234'],
    ['JWT', 'cookie eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N', 'dozjgNryP4J3jVmNHl0w5N'],
    ['password=', 'connect failed: password=hunter2 host=db', 'hunter2'],
    ['env-style assignment', 'DB_PASSWORD=hunter2 GITHUB_TOKEN=abc123def', 'hunter2'],
    ['JSON in a log line', 'body={"user":"a","api_key": "k-123456"}', 'k-123456'],
    ['quoted value', "secret: 'quoted-value'", 'quoted-value'],
    ['URL password', 'postgres://admin:s3cr3t@db:5432/app', 's3cr3t'],
  ];
  for (const [label, text, secret] of shapes) {
    it(`removes a ${label}`, () => {
      const out = redactText(text, { env: NO_ENV });
      expect(out).not.toContain(secret);
      expect(out).toContain(REDACTED);
    });
  }

  it('keeps ordinary text and the context around a secret readable', () => {
    const text = 'p95 latency 2.5 s vs 0.3 s; pool of 10 under 3x load; max_tokens: 4096; tokens used 812';
    expect(redactText(text, { env: NO_ENV })).toBe(text);
    expect(redactText('retry with password=x1 later', { env: NO_ENV })).toBe(`retry with password=${REDACTED} later`);
    expect(redactText('postgres://admin:pw@db/app', { env: NO_ENV })).toBe(`postgres://admin:${REDACTED}@db/app`);
  });

  it('is idempotent', () => {
    const once = redactText('password=abc Bearer abcdefghijk ghp_abcdefghijklmnopqrstuvwxyz', { env: NO_ENV });
    expect(redactText(once, { env: NO_ENV })).toBe(once);
  });

  it('never lets a literal secret through, whatever surrounds it (property)', () => {
    fc.assert(
      fc.property(fc.string(), fc.stringMatching(/^[a-z0-9]{8,24}$/), fc.string(), (before, secret, after) => {
        const out = redactText(before + secret + after, { secrets: [secret], env: NO_ENV });
        expect(out.includes(secret)).toBe(false);
      }),
      { numRuns: 300 },
    );
  });
});

describe('redactJson', () => {
  it('replaces whole values of secret-named properties in any naming style', () => {
    const input = {
      password: 'p', db_password: 'p', githubToken: 't', 'x-api-key': 'k', apiKey: 'k', clientSecret: 's',
      Authorization: 'Basic abc', credentials: { cookie: 'sid=1' }, 'aws.secret': 's', private_key: 'k',
      max_tokens: 4096, token_count: 3, secret_name: 'prod-db', tokens: ['a'], tokenizer: 'bpe', empty_token: '',
    };
    expect(redactJson(input, { env: NO_ENV })).toEqual({
      password: REDACTED, db_password: REDACTED, githubToken: REDACTED, 'x-api-key': REDACTED, apiKey: REDACTED,
      clientSecret: REDACTED, Authorization: REDACTED, credentials: { cookie: REDACTED }, 'aws.secret': REDACTED,
      private_key: REDACTED, max_tokens: 4096, token_count: 3, secret_name: 'prod-db', tokens: ['a'], tokenizer: 'bpe',
      empty_token: '',
    });
  });

  it('redacts strings deeply and leaves the input untouched', () => {
    const input = { a: [{ b: 'Bearer abcdefghijklmn' }, 5, null, true], c: { d: 'x=plainvalue99' } };
    const copy = structuredClone(input);
    const out = redactJson(input, { env: { SOME_SECRET: 'plainvalue99' } });
    expect(out).toEqual({ a: [{ b: `Bearer ${REDACTED}` }, 5, null, true], c: { d: `x=${REDACTED}` } });
    expect(input).toEqual(copy);
  });

  it('names secret keys consistently with isSecretKeyName', () => {
    for (const name of ['token', 'refresh_token', 'accessToken', 'PASSWORD', 'Proxy-Authorization', 'set-cookie']) {
      expect(isSecretKeyName(name), name).toBe(true);
    }
    for (const name of ['tokens', 'max_tokens', 'token_type', 'secretary', 'passwordless', 'keyId', 'access_key_id']) {
      expect(isSecretKeyName(name), name).toBe(false);
    }
  });
});
