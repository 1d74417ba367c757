import { spawnSync } from 'node:child_process';
import { linkSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSandbox, type Sandbox } from '../../src/tools/servers/sandbox/index.js';
import { walkTree } from '../../src/tools/servers/sandbox/walk.js';
import { WorkspaceLease } from '../../src/tools/servers/sandbox/workspace-lease.js';

// Real bubblewrap only. Without bwrap the sandbox tests are skipped (loudly); assertions about dropping
// root need firebreak to run as root (CI does) and are skipped, loudly too, otherwise.
const hasBwrap = spawnSync('bwrap', ['--version']).status === 0;
const isRoot = process.geteuid?.() === 0;
if (!hasBwrap) console.warn('[sandbox-privileges] SKIPPED: bubblewrap (bwrap) is not installed; apt-get install bubblewrap');
if (!isRoot) console.warn('[sandbox-privileges] root-only tests SKIPPED: not running as root (runs already have our own uid)');

const silent = pino({ level: 'silent' });
const SET_ID = 0o6000;

/** Every entry under `dir` (itself included) as `relative uid:gid mode`, symlinks not followed. */
function owners(dir: string): Map<string, { uid: number; gid: number; mode: number }> {
  const out = new Map<string, { uid: number; gid: number; mode: number }>();
  const visit = (rel: string): void => {
    const st = lstatSync(join(dir, rel));
    out.set(rel || '.', { uid: st.uid, gid: st.gid, mode: st.mode & 0o7777 });
    if (st.isDirectory()) for (const name of readdirSync(join(dir, rel))) visit(join(rel, name));
  };
  visit('');
  return out;
}

describe.skipIf(!hasBwrap)('bwrap runs never execute as root', () => {
  let root: string;
  let workspace: string;
  let sandbox: Sandbox;

  beforeAll(async () => {
    // mkdtemp makes `root` 0700: the workspace sits where an unprivileged uid could not even traverse.
    root = mkdtempSync(join(tmpdir(), 'fb-sbx-priv-'));
    workspace = join(root, 'repo');
    mkdirSync(workspace);
    expect(spawnSync('git', ['init', '--quiet', workspace]).status).toBe(0);
    writeFileSync(join(workspace, 'existing.txt'), 'from firebreak\n', { mode: 0o644 });
    mkdirSync(join(workspace, 'src'));
    writeFileSync(join(workspace, 'src', 'app.js'), 'console.log(1)\n', { mode: 0o644 });
    sandbox = await openSandbox({ workspace, limits: { maxOutputBytes: 8192 } }, { logger: silent });
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it.skipIf(!isRoot)('runs as uid/gid 65534 with no capabilities, not as uid 0', async () => {
    const r = await sandbox.runCommand({ command: 'bash', args: ['-c', 'id -u; id -g; id -G; whoami; grep -E "^Cap(Prm|Eff|Bnd|Amb)" /proc/self/status'] });
    expect(r.exitCode, r.stderr).toBe(0);
    const [uid, gid, groups, name, ...caps] = r.stdout.trim().split('\n');
    // whoami reads /etc/passwd: the directories bwrap creates for its mounts are reachable by the run.
    expect({ uid, gid, groups, name }).toEqual({ uid: '65534', gid: '65534', groups: '65534', name: 'nobody' });
    expect(caps).toHaveLength(4);
    for (const line of caps) expect(line).toMatch(/:\s+0{16}$/);
  });

  it.skipIf(!isRoot)('cannot create a setuid-root file; what it leaves is owned by the workspace owner, bits stripped', async () => {
    const script = [
      'touch suid sgid && chmod 4755 suid && chmod 2755 sgid',
      'stat -c "%n %u %a" suid sgid',
      'chown 0:0 suid 2>/dev/null && echo CHOWNED || echo CHOWN_DENIED',
    ].join('\n');
    const r = await sandbox.runCommand({ command: 'bash', args: ['-c', script] });
    expect(r.stdout).toBe('suid 65534 4755\nsgid 65534 2755\nCHOWN_DENIED\n');
    const owner = statSync(workspace);
    for (const name of ['suid', 'sgid']) {
      const st = statSync(join(workspace, name));
      expect({ name, uid: st.uid, gid: st.gid, setId: st.mode & SET_ID }).toEqual({ name, uid: owner.uid, gid: owner.gid, setId: 0 });
    }
  });

  it('leaves no setuid/setgid regular file behind, whoever firebreak runs as', async () => {
    const r = await sandbox.runCommand({ command: 'bash', args: ['-c', 'mkdir -p deep/er && cp /bin/true deep/er/t && chmod 6755 deep/er/t && stat -c %a deep/er/t'] });
    expect(r.stdout).toBe('6755\n');
    const st = statSync(join(workspace, 'deep', 'er', 't'));
    expect(st.mode & 0o7777).toBe(0o755);
    // A run may also leave files it cannot read; they are checked all the same.
    await sandbox.runCommand({ command: 'bash', args: ['-c', 'touch deep/noread && chmod 4000 deep/noread'] });
    expect(statSync(join(workspace, 'deep', 'noread')).mode & 0o7777).toBe(0);
    rmSync(join(workspace, 'deep'), { recursive: true });
  });

  it('can write the checkout firebreak wrote; afterwards everything is the owner\'s again and git (host and run) accepts it', async () => {
    const r = await sandbox.runCommand({
      command: 'bash',
      args: ['-c', 'echo "from the run" >> existing.txt && mkdir -p build/out && echo x > build/out/a && rm src/app.js && git status --short && git add -A && echo STAGED'],
    });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain('STAGED');
    expect(readFileSync(join(workspace, 'existing.txt'), 'utf8')).toBe('from firebreak\nfrom the run\n');
    const owner = statSync(workspace);
    const wrong = [...owners(workspace)].filter(([, o]) => o.uid !== owner.uid);
    expect(wrong).toEqual([]);
    // git run by firebreak (root) on the workspace: no "dubious ownership" refusal.
    const git = spawnSync('git', ['-C', workspace, 'status', '--porcelain'], { encoding: 'utf8' });
    expect(git.stderr).not.toMatch(/dubious ownership/);
    expect(git.status).toBe(0);
    expect(git.stdout).toMatch(/^A {2}build\/out\/a$/m);
    // ...and firebreak can delete what the run made.
    rmSync(join(workspace, 'build'), { recursive: true });
  });

  it.skipIf(!isRoot)('enters a directory that only the run uid may enter', async () => {
    await sandbox.runCommand({ command: 'bash', args: ['-c', 'mkdir private && chmod 700 private && echo hi > private/f'] });
    const r = await sandbox.runCommand({ command: 'cat', args: ['f'], cwd: 'private' });
    expect({ exit: r.exitCode, out: r.stdout, err: r.stderr }).toEqual({ exit: 0, out: 'hi\n', err: '' });
  });

  it.skipIf(!isRoot)('does not lend a hard-linked file: the run cannot write an inode shared with the host', async () => {
    const outside = join(root, 'forge-object');
    writeFileSync(outside, 'shared\n', { mode: 0o644 });
    linkSync(outside, join(workspace, 'linked'));
    const r = await sandbox.runCommand({ command: 'bash', args: ['-c', 'stat -c %u linked; echo tampered >> linked || echo DENIED; rm linked && echo REMOVED'] });
    expect(r.stdout).toBe('0\nDENIED\nREMOVED\n');
    expect(readFileSync(outside, 'utf8')).toBe('shared\n');
    expect(statSync(outside).uid).toBe(0);
  });

  it('has a writable private /tmp and /dev/shm (python multiprocessing needs the latter)', async () => {
    const code = 'import multiprocessing, tempfile\nmultiprocessing.Lock()\nopen(tempfile.gettempdir() + "/t", "w").write("x")\nprint("ok")';
    const r = await sandbox.runCode({ language: 'python', code });
    expect({ out: r.stdout, err: r.stderr }).toEqual({ out: 'ok\n', err: '' });
  });

  it('overlapping runs share the lent workspace; it is returned when the last one ends', async () => {
    const [slow, fast] = await Promise.all([
      sandbox.runCommand({ command: 'bash', args: ['-c', 'sleep 1; echo late > late.txt && echo WROTE'] }),
      sandbox.runCommand({ command: 'bash', args: ['-c', 'echo early > early.txt && echo WROTE'] }),
    ]);
    expect([slow.stdout, fast.stdout]).toEqual(['WROTE\n', 'WROTE\n']);
    const owner = statSync(workspace).uid;
    expect([statSync(join(workspace, 'late.txt')).uid, statSync(join(workspace, 'early.txt')).uid]).toEqual([owner, owner]);
  });
});

describe.skipIf(!hasBwrap || !isRoot)('sandboxUid / sandboxGid', () => {
  it('runs as the configured ids', async () => {
    const root = mkdtempSync(join(tmpdir(), 'fb-sbx-uid-'));
    try {
      const sandbox = await openSandbox({ workspace: root, sandboxUid: 4242, sandboxGid: 4343 }, { logger: silent });
      const r = await sandbox.runCommand({ command: 'bash', args: ['-c', 'id -u; id -g; touch f; stat -c "%u:%g" f'] });
      expect(r.stdout).toBe('4242\n4343\n4242:4343\n');
      expect(statSync(join(root, 'f')).uid).toBe(0);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('refuses uid 0, naming the field', async () => {
    await expect(openSandbox({ workspace: tmpdir(), sandboxUid: 0 }, { logger: silent })).rejects.toThrow(/sandboxUid: must not be 0/);
  });
});

describe.skipIf(!isRoot)('WorkspaceLease (no bwrap needed)', () => {
  let root: string;
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'fb-lease-'));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('lends only what the owner owns inside the workspace, never through a symlink, and takes it all back', async () => {
    const ws = join(root, 'ws');
    const outside = join(root, 'outside');
    mkdirSync(join(ws, 'a', 'b'), { recursive: true });
    mkdirSync(outside);
    writeFileSync(join(ws, 'a', 'b', 'f'), 'f');
    writeFileSync(join(outside, 'secret'), 's');
    symlinkSync(outside, join(ws, 'a', 'to-outside'));
    writeFileSync(join(ws, 'other-owner'), 'o');
    spawnSync('chown', ['1234:1234', join(ws, 'other-owner')]);
    const lease = await WorkspaceLease.create(ws, { uid: 65534, gid: 65534 }, silent);

    await lease.acquire();
    const lent = owners(ws);
    expect(lent.get('.')?.uid).toBe(65534);
    expect(lent.get('a/b/f')?.uid).toBe(65534);
    expect(lent.get('a/to-outside')?.uid).toBe(0); // the link itself is not lent; its target is not touched
    expect(lent.get('other-owner')?.uid).toBe(1234);
    expect([statSync(outside).uid, statSync(join(outside, 'secret')).uid]).toEqual([0, 0]);

    writeFileSync(join(ws, 'a', 'new'), 'n');
    spawnSync('chown', ['65534:65534', join(ws, 'a', 'new')]);
    await lease.release();
    const back = owners(ws);
    expect([...back].filter(([rel, o]) => rel !== 'other-owner' && (o.uid !== 0 || o.gid !== 0))).toEqual([]);
    expect(back.get('other-owner')?.uid).toBe(1234);
  });

  it('walkTree stops at maxEntries and reports it', async () => {
    const ws = join(root, 'many');
    mkdirSync(ws);
    for (let i = 0; i < 300; i++) writeFileSync(join(ws, `f${i}`), '');
    const seen: string[] = [];
    const r = await walkTree(ws, (p) => void seen.push(p), 100);
    expect(r.truncated).toBe(true);
    expect(r.entries).toBeLessThanOrEqual(100);
    expect(seen.length).toBe(r.entries);
    const all = await walkTree(ws, () => undefined, 10_000);
    expect({ entries: all.entries, truncated: all.truncated, errors: all.errors }).toEqual({ entries: 301, truncated: false, errors: 0 });
  });
});
