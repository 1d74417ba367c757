import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { openSandbox, type Sandbox } from '../../src/tools/servers/sandbox/index.js';

// These tests run real bubblewrap sandboxes. Without bwrap they are skipped (loudly), never faked.
const hasBwrap = spawnSync('bwrap', ['--version']).status === 0;
if (!hasBwrap) console.warn('[sandbox-isolation] SKIPPED: bubblewrap (bwrap) is not installed; apt-get install bubblewrap');

const CANARY = 'ghp_canary_' + Math.random().toString(36).slice(2);
const silent = pino({ level: 'silent' });

/** Host processes whose command line contains `marker` (sandboxed processes are visible in the host /proc). */
function hostProcessesWith(marker: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(marker)) found.push(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return found;
}

describe.skipIf(!hasBwrap)('sandbox isolation (bwrap)', () => {
  let root: string;
  let workspace: string;
  let sandbox: Sandbox;
  let listener: Server;
  let port: number;
  let accepted = 0;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'fb-sbx-iso-'));
    workspace = join(root, 'repo');
    mkdirSync(workspace);
    writeFileSync(join(root, 'host-secret.txt'), CANARY);
    process.env.GITHUB_TOKEN = CANARY; // must not reach any run
    sandbox = await openSandbox(
      { workspace, limits: { maxProcesses: 64, maxOutputBytes: 4096, memoryBytes: 512 * 1024 * 1024 } },
      { logger: silent },
    );
    listener = createServer((s) => {
      accepted++;
      s.destroy();
    });
    await new Promise<void>((r) => listener.listen(0, '127.0.0.1', r));
    port = (listener.address() as { port: number }).port;
  });

  afterAll(async () => {
    delete process.env.GITHUB_TOKEN;
    await new Promise((r) => listener?.close(r));
    rmSync(root, { recursive: true, force: true });
  });

  it('has no network: a connect to a port the host listens on fails', async () => {
    const code = `
      const s = require('node:net').connect(${port}, '127.0.0.1');
      s.on('connect', () => { console.log('CONNECTED'); process.exit(0); });
      s.on('error', (e) => { console.log('ERR', e.code); process.exit(3); });`;
    const r = await sandbox.runCode({ language: 'javascript', code, timeoutMs: 10_000 });
    expect(r.stdout).toMatch(/^ERR (ECONNREFUSED|ENETUNREACH)/);
    expect(r.exitCode).toBe(3);
    expect(accepted).toBe(0);
  });

  it('cannot write outside the workspace; writes inside persist', async () => {
    const script = [
      'echo in > inside.txt && echo INSIDE_OK',
      'echo out > ../escape.txt 2>/dev/null || echo PARENT_DENIED',
      'echo out > /escape.txt 2>/dev/null || echo ROOT_DENIED',
      `echo out > ${join(root, 'escape.txt')} 2>/dev/null || echo HOSTPATH_DENIED`,
    ].join('\n');
    const r = await sandbox.runCommand({ command: 'bash', args: ['-c', script] });
    expect(r.stdout.split('\n')).toEqual(['INSIDE_OK', 'PARENT_DENIED', 'ROOT_DENIED', 'HOSTPATH_DENIED', '']);
    expect(readFileSync(join(workspace, 'inside.txt'), 'utf8')).toBe('in\n');
    expect(existsSync(join(root, 'escape.txt'))).toBe(false);
    expect(existsSync('/escape.txt')).toBe(false);
    // /tmp is private and fresh per run: a file written there is gone next time.
    await sandbox.runCommand({ command: 'bash', args: ['-c', 'echo x > /tmp/left-behind'] });
    const again = await sandbox.runCommand({ command: 'ls', args: ['/tmp'] });
    expect(again.stdout).not.toContain('left-behind');
  });

  it('cannot change host kernel settings: nothing under /proc/sys is writable (read-only check, writes nothing)', async () => {
    const r = await sandbox.runCommand({ command: 'bash', args: ['-c', 'find /proc/sys -type f -writable 2>/dev/null | wc -l; test -w /proc/sys/kernel/core_pattern && echo W || echo RO'] });
    expect(r.stdout).toBe('0\nRO\n');
  });

  it('does not expose host secrets: env scrubbed, host files outside the workspace invisible', async () => {
    const script = `env; cat /proc/*/environ 2>/dev/null | tr '\\0' '\\n'; cat ${join(root, 'host-secret.txt')} 2>&1; ls /root 2>&1`;
    const r = await sandbox.runCommand({ command: 'bash', args: ['-c', script] });
    const seen = r.stdout + r.stderr;
    expect(seen).toContain('HOME=/tmp');
    expect(seen).not.toContain(CANARY);
    expect(seen).not.toContain('GITHUB_TOKEN');
    expect(seen).toMatch(/No such file or directory/);
  });

  it('kills runaway code at the time limit', async () => {
    const r = await sandbox.runCode({ language: 'javascript', code: 'while (true) {}', timeoutMs: 1_000 });
    expect(r.timedOut).toBe(true);
    expect(r.signal).toBe('SIGKILL');
    expect(r.exitCode).toBeNull();
    expect(r.durationMs).toBeGreaterThanOrEqual(900);
    expect(r.durationMs).toBeLessThan(5_000);
  });

  it('contains a fork bomb: the call returns, nothing of it survives, the host still forks', async () => {
    const marker = `bomb-${Date.now()}`;
    const code = `# ${marker}\nbomb() { bomb | bomb & }; bomb; sleep 60`;
    const started = Date.now();
    const r = await sandbox.runCode({ language: 'bash', code, timeoutMs: 2_000 });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(r.timedOut).toBe(true);
    expect(r.stderr).toMatch(/Resource temporarily unavailable|fork/);
    expect(hostProcessesWith('/code/main.sh')).toEqual([]);
    expect(spawnSync('true').status).toBe(0);
  });

  it('bounds output, keeping both ends with a truncation marker', async () => {
    const code = `process.stdout.write('BEGIN' + 'x'.repeat(1_000_000) + 'END')`;
    const r = await sandbox.runCode({ language: 'javascript', code });
    expect(r.exitCode).toBe(0);
    expect(r.stdoutTruncated).toBe(true);
    expect(r.stdout.length).toBeLessThan(4096 + 100);
    expect(r.stdout.startsWith('BEGIN')).toBe(true);
    expect(r.stdout.endsWith('END')).toBe(true);
    expect(r.stdout).toMatch(/\[\.\.\. \d+ bytes truncated \.\.\.\]/);
  });

  it('enforces the memory limit', async () => {
    const r = await sandbox.runCode({ language: 'python', code: 'b = bytearray(2 * 1024**3)\nprint("allocated")' });
    expect(r.stdout).not.toContain('allocated');
    expect(r.stderr).toContain('MemoryError');
  });

  it('runs each language with the workspace as cwd', async () => {
    const cases = [
      { language: 'javascript', code: 'console.log("js", process.cwd())', out: 'js /workspace' },
      { language: 'typescript', code: 'const n: number = 2; console.log(`ts ${n * 21}`)', out: 'ts 42' },
      { language: 'python', code: 'import os\nprint("py", os.getcwd())', out: 'py /workspace' },
      { language: 'bash', code: 'echo "sh $PWD"', out: 'sh /workspace' },
    ] as const;
    for (const c of cases) {
      const r = await sandbox.runCode({ language: c.language, code: c.code });
      expect({ language: c.language, stdout: r.stdout.trim(), exit: r.exitCode }).toEqual({ language: c.language, stdout: c.out, exit: 0 });
      expect(r.isolation).toBe('bwrap');
    }
  });
});
