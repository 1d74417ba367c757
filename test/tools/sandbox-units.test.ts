import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BoundedOutput } from '../../src/tools/servers/sandbox/bounded-output.js';
import { parseSandboxArgs, SandboxConfigError } from '../../src/tools/servers/sandbox/index.js';
import { rlimitPrefix } from '../../src/tools/servers/sandbox/limits.js';
import { parseSandboxConfig } from '../../src/tools/servers/sandbox/config.js';

describe('BoundedOutput', () => {
  it('keeps exactly the first and last halves of the limit, however the stream is chunked', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme-ascii', maxLength: 300 }), fc.integer({ min: 2, max: 64 }), fc.array(fc.nat(40)), (s, limit, cuts) => {
        const bytes = Buffer.from(s);
        const out = new BoundedOutput(limit);
        let at = 0;
        for (const cut of cuts) {
          out.push(bytes.subarray(at, Math.min(at + cut, bytes.length)));
          at = Math.min(at + cut, bytes.length);
        }
        out.push(bytes.subarray(at));
        expect(out.totalBytes).toBe(bytes.length);
        if (bytes.length <= limit) {
          expect(out.truncated).toBe(false);
          expect(out.text()).toBe(s);
        } else {
          const head = bytes.subarray(0, Math.ceil(limit / 2)).toString();
          const tail = bytes.subarray(bytes.length - Math.floor(limit / 2)).toString();
          expect(out.truncated).toBe(true);
          expect(out.text()).toBe(`${head}\n[... ${bytes.length - limit} bytes truncated ...]\n${tail}`);
        }
      }),
    );
  });
});

describe('parseSandboxArgs', () => {
  it('maps flags onto the config, defaulting the workspace to cwd', () => {
    const cfg = parseSandboxArgs(['--isolation', 'process', '--timeout-ms', '5000', '--memory-mb', '512', '--ro-path', '/opt/a', '--ro-path', '/opt/b'], '/repo');
    expect(cfg).toEqual({
      workspace: '/repo',
      isolation: 'process',
      limits: { defaultTimeoutMs: 5000, memoryBytes: 512 * 1024 * 1024 },
      readOnlyPaths: ['/opt/a', '/opt/b'],
    });
  });

  it.each([
    [['--timeout-ms', '5s'], '--timeout-ms'],
    [['--isolation', 'docker'], '--isolation'],
    [['--bogus'], 'bogus'],
    [['stray'], 'stray'],
  ])('%j is rejected naming %s', (argv, needle) => {
    expect(() => parseSandboxArgs(argv, '/repo')).toThrow(SandboxConfigError);
    expect(() => parseSandboxArgs(argv, '/repo')).toThrow(needle);
  });

  it('config validation names nested fields', () => {
    expect(() => parseSandboxConfig({ workspace: '/w', readOnlyPaths: ['relative/path'] })).toThrow(/readOnlyPaths\.0: must be an absolute path/);
    expect(() => parseSandboxConfig({ workspace: '/w', limits: { maxOutputBytes: 10 } })).toThrow(/limits\.maxOutputBytes/);
  });
});

describe('rlimitPrefix', () => {
  const limits = parseSandboxConfig({ workspace: '/w' }).limits;
  it('applies NPROC only when asked (inside a user namespace)', () => {
    expect(rlimitPrefix({ kind: 'prlimit', path: '/usr/bin/prlimit' }, limits, { processes: true })).toContain(`--nproc=${limits.maxProcesses}`);
    expect(rlimitPrefix({ kind: 'prlimit', path: '/usr/bin/prlimit' }, limits, { processes: false }).join(' ')).not.toContain('--nproc');
  });
  it('falls back to bash ulimit with the same limits, then execs the command', () => {
    const [bash, flag, script, name] = rlimitPrefix({ kind: 'bash', path: '/bin/bash' }, limits, { processes: true });
    expect([bash, flag, name]).toEqual(['/bin/bash', '-c', 'firebreak-limits']);
    expect(script).toContain(`ulimit -S -H -u ${limits.maxProcesses}`);
    expect(script).toContain(`ulimit -S -H -d ${limits.memoryBytes / 1024}`);
    expect(script?.endsWith('exec "$@"')).toBe(true);
  });
});
