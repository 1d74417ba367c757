import { spawnSync } from 'node:child_process';
import { copyFileSync, linkSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSandbox, SandboxUnavailableError } from '../../src/tools/servers/sandbox/index.js';
import { SANDBOX_NODE_DIR } from '../../src/tools/servers/sandbox/sandbox-node.js';

// `source scripts/setup.sh` as root puts Node 22 under /root/.cache (mode 0700), while runs drop to uid
// 65534: the sandbox must still run that Node. Real bwrap, the compiled CLI (dist/, built by
// test/global-setup.ts) started by a Node that lives under a 0700 directory, reached through the
// node_modules/.bin/node symlink setup.sh puts on PATH. Root only: as a normal user runs keep our uid.
const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
const hasBwrap = spawnSync('bwrap', ['--version']).status === 0;
const isRoot = process.geteuid?.() === 0;
if (!hasBwrap) console.warn('[sandbox-private-node] SKIPPED: bubblewrap (bwrap) is not installed; apt-get install bubblewrap');
if (!isRoot) console.warn('[sandbox-private-node] SKIPPED: not running as root (runs only change uid when firebreak is root)');

const silent = pino({ level: 'silent' });

function text(result: CallToolResult): string {
  return result.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');
}

describe.skipIf(!hasBwrap || !isRoot)('a Node under a private (0700) directory, firebreak as root', () => {
  let root: string;
  let privateHome: string;
  let dotBin: string;
  let workspace: string;

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'fb-sbx-pnode-'));
    privateHome = join(root, 'home');
    mkdirSync(privateHome, { mode: 0o700 });
    // The npm `node` package's layout, as setup.sh installs it: node_modules/.bin/node -> ../node/bin/node.
    const bin = join(privateHome, 'node22', 'node_modules', 'node', 'bin');
    mkdirSync(bin, { recursive: true });
    const ours = realpathSync(process.execPath);
    try {
      linkSync(ours, join(bin, 'node')); // same inode, mode 0755: only the directories are private
    } catch {
      copyFileSync(ours, join(bin, 'node'));
    }
    dotBin = join(privateHome, 'node22', 'node_modules', '.bin');
    mkdirSync(dotBin);
    symlinkSync('../node/bin/node', join(dotBin, 'node'));
    workspace = join(root, 'ws');
    mkdirSync(workspace);
    expect(statSync(privateHome).mode & 0o777).toBe(0o700);
    // uid 65534 really cannot reach it on the host: what made `prlimit: failed to execute …/node` before.
    // (Through env: setpriv's own exec still has root's capabilities, the next one has none.)
    const direct = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', '--', '/usr/bin/env', join(dotBin, 'node'), '-e', ''], { encoding: 'utf8' });
    expect(direct.stderr).toMatch(/Permission denied/);
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('bwrap: run_code javascript/typescript and run_command node run that Node as uid 65534', async () => {
    const transport = new StdioClientTransport({
      command: join(dotBin, 'node'),
      args: [CLI, 'tools', 'sandbox', '--workspace', workspace],
      env: { PATH: `${dotBin}:/usr/local/bin:/usr/bin:/bin` },
      stderr: 'pipe',
    });
    let stderr = '';
    transport.stderr?.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    const client = new Client({ name: 'private-node-test', version: '0.0.0' });
    await client.connect(transport).catch((err: unknown) => {
      throw new Error(`the sandbox server did not start: ${String(err)}\n${stderr}`);
    });
    try {
      const js = (await client.callTool({
        name: 'run_code',
        arguments: { language: 'javascript', code: 'require("fs").writeFileSync("js.txt", "x"); console.log(process.getuid(), process.execPath, process.version)' },
      })) as CallToolResult;
      expect(js.structuredContent, text(js)).toMatchObject({ exitCode: 0, stdout: `65534 ${SANDBOX_NODE_DIR}/bin/node ${process.version}\n`, stderr: '' });

      const ts = (await client.callTool({ name: 'run_code', arguments: { language: 'typescript', code: 'const n: number = 21; console.log(n * 2)' } })) as CallToolResult;
      expect(ts.structuredContent, text(ts)).toMatchObject({ exitCode: 0, stdout: '42\n' });

      const cmd = (await client.callTool({ name: 'run_command', arguments: { command: 'node', args: ['-e', 'console.log(process.getuid(), process.version)'] } })) as CallToolResult;
      expect(cmd.structuredContent, text(cmd)).toMatchObject({ exitCode: 0, stdout: `65534 ${process.version}\n`, stderr: '' });

      // `node --test` (the lab's drills) spawns process.execPath for every test file: that path resolves too.
      const test = (await client.callTool({
        name: 'run_command',
        arguments: { command: 'bash', args: ['-c', 'mkdir -p t && echo "require(\'node:test\')(\'ok\', () => {})" > t/a.test.js && node --test --test-reporter=tap t/a.test.js 2>&1 | grep -E "^# (pass|fail)"'] },
      })) as CallToolResult;
      expect(test.structuredContent, text(test)).toMatchObject({ exitCode: 0, stdout: '# pass 1\n# fail 0\n' });

      // Nothing of the private directory shows: only the binary, at the neutral path.
      const look = (await client.callTool({ name: 'run_command', arguments: { command: 'bash', args: ['-c', `ls ${privateHome} 2>&1; ls ${SANDBOX_NODE_DIR}/bin`] } })) as CallToolResult;
      expect((look.structuredContent as { stdout: string }).stdout).toBe(`ls: cannot access '${privateHome}': No such file or directory\nnode\n`);
    } finally {
      await client.close();
    }
    expect(statSync(join(workspace, 'js.txt')).uid).toBe(0); // given back after the run
    expect(readFileSync(join(workspace, 'js.txt'), 'utf8')).toBe('x');
  });

  it('--isolation process: refuses to start, naming the directory that blocks uid 65534 and the fix', () => {
    const r = spawnSync(join(dotBin, 'node'), [CLI, 'tools', 'sandbox', '--workspace', workspace, '--isolation', 'process'], {
      encoding: 'utf8',
      env: { PATH: `${dotBin}:/usr/local/bin:/usr/bin:/bin` },
      timeout: 20_000,
    });
    expect(r.status).toBe(1);
    // The workspace (under the 0700 mkdtemp) is checked first; both are out of reach for the same reason.
    expect(r.stderr).toContain(`${root} is mode 0700 (owner 0:0)`);
    expect(r.stderr).toContain('--isolation process runs as uid 65534/gid 65534');
    expect(r.stderr).toContain('--isolation bwrap');
  });
});

describe.skipIf(!hasBwrap || !isRoot)('firebreak with umask 077 (hardened root)', () => {
  it('runs still read run_code\'s file and reach every mount as uid 65534', async () => {
    const workspace = mkdtempSync(join(tmpdir(), 'fb-sbx-umask-'));
    const before = process.umask(0o077);
    try {
      const sandbox = await openSandbox({ workspace }, { logger: silent });
      for (const language of ['javascript', 'python', 'bash'] as const) {
        const code = { javascript: 'console.log(process.getuid())', python: 'import os\nprint(os.getuid())', bash: 'id -u' }[language];
        const r = await sandbox.runCode({ language, code });
        expect({ language, out: r.stdout, err: r.stderr }).toEqual({ language, out: '65534\n', err: '' });
      }
    } finally {
      process.umask(before);
      rmSync(workspace, { recursive: true, force: true });
    }
  });
});

describe.skipIf(!isRoot)('--isolation process as root', () => {
  let workspace: string;
  beforeAll(() => {
    workspace = mkdtempSync(join(tmpdir(), 'fb-sbx-proc-root-')); // 0700 itself: lent to the run uid
  });
  afterAll(() => rmSync(workspace, { recursive: true, force: true }));

  it('runs as the sandbox uid, not root: root-only files and firebreak\'s own environment are out of reach', async () => {
    const sandbox = await openSandbox({ workspace, isolation: 'process' }, { logger: silent });
    const script = [
      'id -u; id -g',
      'cat /etc/shadow >/dev/null 2>&1 && echo SHADOW_READ || echo shadow-denied',
      `cat /proc/${process.pid}/environ >/dev/null 2>&1 && echo ENVIRON_READ || echo environ-denied`,
      'echo made > made.txt && stat -c %u made.txt',
    ].join('\n');
    const r = await sandbox.runCommand({ command: 'bash', args: ['-c', script] });
    expect({ out: r.stdout, err: r.stderr, exit: r.exitCode }).toEqual({ out: '65534\n65534\nshadow-denied\nenviron-denied\n65534\n', err: '', exit: 0 });
    expect(statSync(join(workspace, 'made.txt')).uid).toBe(0); // the lease gave the checkout back
    const js = await sandbox.runCode({ language: 'javascript', code: 'console.log(process.getuid(), process.env.HOME === require("os").homedir())' });
    expect({ out: js.stdout, err: js.stderr }).toEqual({ out: '65534 true\n', err: '' });
    expect(js.warning).toMatch(/NOT sandboxed/);
  });

  it('refuses a workspace the sandbox uid cannot reach, rather than run as root', async () => {
    const outer = mkdtempSync(join(tmpdir(), 'fb-sbx-proc-outer-')); // 0700, like a lab's work directory
    try {
      const nested = join(outer, 'repo');
      mkdirSync(nested);
      const err = await openSandbox({ workspace: nested, isolation: 'process' }, { logger: silent }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SandboxUnavailableError);
      expect((err as Error).message).toContain(`the workspace ${nested} is out of its reach: ${outer} is mode 0700 (owner 0:0)`);
    } finally {
      rmSync(outer, { recursive: true, force: true });
    }
  });
});
