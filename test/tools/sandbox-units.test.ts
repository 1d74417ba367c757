import fc from 'fast-check';
import { chmodSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BoundedOutput } from '../../src/tools/servers/sandbox/bounded-output.js';
import { parseSandboxArgs, SandboxConfigError } from '../../src/tools/servers/sandbox/index.js';
import { rlimitPrefix } from '../../src/tools/servers/sandbox/limits.js';
import { BwrapBackend } from '../../src/tools/servers/sandbox/bwrap.js';
import { ProcessBackend } from '../../src/tools/servers/sandbox/process-backend.js';
import { unreachableReason } from '../../src/tools/servers/sandbox/reachable.js';
import { resolveSandboxNode, SANDBOX_NODE_DIR } from '../../src/tools/servers/sandbox/sandbox-node.js';
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

  it('maps --sandbox-uid/--sandbox-gid, and the config refuses 0', () => {
    const cfg = parseSandboxArgs(['--sandbox-uid', '4242', '--sandbox-gid', '4343'], '/repo');
    expect(cfg).toMatchObject({ sandboxUid: 4242, sandboxGid: 4343 });
    expect(parseSandboxConfig({ workspace: '/repo' })).toMatchObject({ sandboxUid: 65534, sandboxGid: 65534 });
    expect(() => parseSandboxConfig(parseSandboxArgs(['--sandbox-gid', '0'], '/repo'))).toThrow(/sandboxGid: must not be 0/);
  });

  it.each([
    [['--sandbox-uid', '-1'], '--sandbox-uid'],
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

describe('BwrapBackend argv', () => {
  const limits = parseSandboxConfig({ workspace: '/w' }).limits;
  const prlimit = { kind: 'prlimit', path: '/usr/bin/prlimit' } as const;
  const req = { argv: ['npm', 'test'], cwd: 'pkg', runDir: '/run/x', limits };
  it('as root: no user namespace, setpriv drops to the sandbox ids before the limits and the command', () => {
    const runAs = { uid: 65534, gid: 65534, setprivPath: '/usr/bin/setpriv' };
    const argv = new BwrapBackend('/usr/bin/bwrap', '/host/ws', [], '/run/firebreak/node/bin/node', prlimit, runAs, true).launch(req).argv;
    expect(argv).not.toContain('--unshare-all');
    expect(argv).not.toContain('--unshare-user');
    const rest = argv.slice(argv.indexOf('--') + 1);
    expect(rest.slice(0, 7)).toEqual(['/usr/bin/setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', '--inh-caps=-all', '--bounding-set=-all', '--']);
    expect(rest.slice(7).join(' ')).not.toContain('--nproc'); // the pids cgroup caps the run; NPROC would count host-wide
    expect(rest.slice(-2)).toEqual(['npm', 'test']);
    expect(argv.join(' ')).toContain('--bind /run/x/tmp /tmp');
  });
  it('as a normal user: a user namespace, no setpriv, NPROC inside it', () => {
    const launch = new BwrapBackend('/usr/bin/bwrap', '/host/ws', [], '/run/firebreak/node/bin/node', prlimit, undefined, true).launch(req);
    const argv = launch.argv;
    expect(argv).toContain('--unshare-all');
    // The run's PATH starts with the directory its Node is shown at, then the system directories only.
    expect(launch.env.PATH).toBe('/run/firebreak/node/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin');
    expect(argv.join(' ')).not.toContain('setpriv');
    expect(argv).toContain(`--nproc=${limits.maxProcesses}`);
  });
});

describe('ProcessBackend argv', () => {
  const limits = parseSandboxConfig({ workspace: '/w' }).limits;
  const prlimit = { kind: 'prlimit', path: '/usr/bin/prlimit' } as const;
  const req = { argv: ['npm', 'test'], cwd: 'pkg', runDir: '/tmp/run-x', limits };
  it('as root: setpriv drops to the sandbox ids first; NPROC only as the fallback for a missing pids cgroup', () => {
    const runAs = { uid: 4242, gid: 4343, setprivPath: '/usr/bin/setpriv' };
    const launch = new ProcessBackend('/host/ws', prlimit, true, runAs).launch(req);
    expect(launch.argv.slice(0, 7)).toEqual(['/usr/bin/setpriv', '--reuid=4242', '--regid=4343', '--clear-groups', '--inh-caps=-all', '--bounding-set=-all', '--']);
    expect(launch.argv.slice(7, 8)).toEqual(['/usr/bin/prlimit']);
    expect(launch.argv.slice(-2)).toEqual(['npm', 'test']);
    expect(launch.argv).not.toContain(`--nproc=${limits.maxProcesses}`);
    expect(new ProcessBackend('/host/ws', prlimit, false, runAs).launch(req).argv).toContain(`--nproc=${limits.maxProcesses}`);
    expect({ cwd: launch.cwd, home: launch.env.HOME }).toEqual({ cwd: '/host/ws/pkg', home: '/tmp/run-x/home' });
  });
  it('as a normal user: firebreak\'s uid, no setpriv, no NPROC (it would count every process of the user)', () => {
    const argv = new ProcessBackend('/host/ws', prlimit, false, undefined).launch(req).argv;
    expect(argv[0]).toBe('/usr/bin/prlimit');
    expect(argv.join(' ')).not.toMatch(/setpriv|--nproc/);
  });
});

describe('resolveSandboxNode: what of a Node outside the system directories a bwrap run sees', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'fb-sbx-node-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('PREFIX/bin layout (nvm, tarballs): the binary, lib/node_modules and the bin links into it, nothing else', async () => {
    const prefix = join(dir, 'home', '.nvm', 'v22');
    mkdirSync(join(prefix, 'bin'), { recursive: true });
    mkdirSync(join(prefix, 'lib', 'node_modules', 'npm', 'bin'), { recursive: true });
    writeFileSync(join(prefix, 'bin', 'node'), '', { mode: 0o755 });
    symlinkSync('../lib/node_modules/npm/bin/npm-cli.js', join(prefix, 'bin', 'npm'));
    symlinkSync('/etc/passwd', join(prefix, 'bin', 'absolute-elsewhere'));
    writeFileSync(join(prefix, 'bin', 'unrelated-script'), '#!/bin/sh\n');
    // Reached through a symlink, as from node_modules/.bin/node: resolved first.
    symlinkSync(join(prefix, 'bin', 'node'), join(dir, 'node-link'));
    const node = await resolveSandboxNode(join(dir, 'node-link'));
    expect(node).toEqual({
      execPath: `${SANDBOX_NODE_DIR}/bin/node`,
      mounts: [
        '--ro-bind', join(prefix, 'bin', 'node'), `${SANDBOX_NODE_DIR}/bin/node`,
        '--ro-bind', join(prefix, 'lib', 'node_modules'), `${SANDBOX_NODE_DIR}/lib/node_modules`,
        '--symlink', '../lib/node_modules/npm/bin/npm-cli.js', `${SANDBOX_NODE_DIR}/bin/npm`,
      ],
    });
  });

  it('a binary loose in a directory (e.g. /root/node22): only the binary, as `node`, never the directory around it', async () => {
    writeFileSync(join(dir, 'node22'), '', { mode: 0o755 });
    writeFileSync(join(dir, 'secret'), 'not for runs');
    expect(await resolveSandboxNode(join(dir, 'node22'))).toEqual({
      execPath: `${SANDBOX_NODE_DIR}/bin/node`,
      mounts: ['--ro-bind', join(dir, 'node22'), `${SANDBOX_NODE_DIR}/bin/node`],
    });
  });

  it('in a system directory: as is, nothing to mount', async () => {
    const sh = realpathSync('/bin/sh');
    expect(await resolveSandboxNode('/bin/sh')).toEqual({ execPath: sh, mounts: [] });
  });
});

describe('unreachableReason (mode bits, as the kernel picks owner/group/others)', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'fb-sbx-reach-'));
    chmodSync(dir, 0o755); // mkdtemp makes it 0700: only what the test closes should block
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('names the first directory the ids cannot search, with its mode and owner', async () => {
    const me = { uid: process.getuid!(), gid: process.getgid!() };
    const other = { uid: 4242, gid: 4343 };
    mkdirSync(join(dir, 'private', 'node', 'bin'), { recursive: true, mode: 0o755 });
    chmodSync(join(dir, 'private'), 0o700);
    writeFileSync(join(dir, 'private', 'node', 'bin', 'node'), '', { mode: 0o755 });
    const exe = join(dir, 'private', 'node', 'bin', 'node');
    expect(await unreachableReason(exe, other, 'execute')).toBe(`${join(dir, 'private')} is mode 0700 (owner ${me.uid}:${me.gid})`);
    expect(await unreachableReason(exe, me, 'execute')).toBeUndefined();
    chmodSync(join(dir, 'private'), 0o711);
    expect(await unreachableReason(exe, other, 'execute')).toBeUndefined();
    chmodSync(exe, 0o700);
    expect(await unreachableReason(exe, other, 'execute')).toBe(`${exe} is mode 0700 (owner ${me.uid}:${me.gid})`);
    // The owner class wins even when others would be allowed.
    chmodSync(exe, 0o017);
    expect(await unreachableReason(exe, me, 'execute')).toMatch(/is mode 0017/);
    expect(await unreachableReason(exe, { uid: 4242, gid: me.gid }, 'execute')).toBeUndefined();
    expect(await unreachableReason(exe, other, 'search')).toBe(`${exe} is not a directory`);
    expect(await unreachableReason(join(dir, 'missing'), other, 'search')).toBe(`${join(dir, 'missing')} does not exist`);
  });
});
