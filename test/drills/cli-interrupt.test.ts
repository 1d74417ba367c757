import { spawn, execFileSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DrillResult } from '../../src/drills/types.js';
import { prometheusAvailable } from '../lab/helpers/lab.js';

const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
const available = prometheusAvailable('drill CLI interrupt');

/** Processes whose command line mentions `text` (the lab's children carry their work dir in their args). */
function processesMentioning(text: string): string[] {
  return execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' }).split('\n').filter((l) => l.includes(text) && !l.includes('ps -eo'));
}

describe.skipIf(!available)('firebreak drill run, interrupted (Ctrl-C)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'firebreak-drill-sigint-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('tears the lab down, writes the reports and exits 130', async () => {
    // The child's TMPDIR is ours, so everything the lab creates is under `scratch` and findable afterwards.
    const scratch = await mkdtemp(join(dir, 'tmp-'));
    const out = join(dir, 'reports');
    const child = spawn(process.execPath, [CLI, 'drill', 'run', 'pool-exhaustion', '--out', out], {
      env: { ...process.env, TMPDIR: scratch, FIREBREAK_SANDBOX_ISOLATION: 'process' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await new Promise<void>((resolve, reject) => {
      child.stderr.on('data', (c: Buffer) => {
        stderr += c.toString();
        // Non-TTY progress prints one line per finished phase; interrupt while waiting for the alert.
        if (stderr.includes('pool-exhaustion: inject done')) resolve();
      });
      void exited.then(() => reject(new Error(`the CLI exited before the fault was injected:\n${stderr}`)));
    });
    expect(processesMentioning(scratch).length).toBeGreaterThan(0);
    child.kill('SIGINT');
    const code = await exited;

    expect(code, stderr).toBe(130);
    expect(stderr).toContain('stopping the drill and tearing the lab down');
    expect(stdout).toMatch(/^pool-exhaustion\s+CANCELLED\s/m);
    const report = JSON.parse(await readFile(join(out, 'pool-exhaustion', 'report.json'), 'utf8')) as DrillResult;
    expect(report).toMatchObject({ cancelled: true, passed: false, reason: 'cancelled' });
    expect(await readFile(join(out, 'junit.xml'), 'utf8')).toContain('<error message="cancelled" type="DrillCancelled">');
    // Nothing left running, and the drill's scratch directory is gone.
    expect(processesMentioning(scratch)).toEqual([]);
    expect((await readdir(scratch)).filter((f) => f.startsWith('firebreak-drill-'))).toEqual([]);
  }, 120_000);
});
