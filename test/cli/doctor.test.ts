import { spawnSync } from 'node:child_process';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkNode, planInstall, runDoctor, type CheckResult, type Platform } from '../../src/doctor/index.js';
import { tempDir } from '../lab/helpers/lab.js';

const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
const missing = (id: CheckResult['id'], installed = false): CheckResult => ({ id, ok: false, required: id !== 'bwrap' && id !== 'chromium', installed, detail: 'not found' });
const debianRoot: Platform = { os: 'linux', distro: ['debian'], uid: 0 };

describe('doctor install plans', () => {
  it('Debian as root: apt-get update + install of exactly the missing packages, run by doctor itself', () => {
    const plan = planInstall([missing('prometheus'), missing('bwrap'), missing('chromium')], debianRoot);
    expect(plan.run).toEqual([
      ['apt-get', 'update'],
      ['apt-get', 'install', '-y', '--no-install-recommends', 'prometheus', 'bubblewrap', 'chromium'],
    ]);
    expect(plan.manual).toEqual([]);
  });

  it('Debian without root: the sudo command line to copy, nothing run', () => {
    const plan = planInstall([missing('prometheus')], { ...debianRoot, uid: 1000 });
    expect(plan.run).toEqual([]);
    expect(plan.manual).toEqual(['sudo apt-get update && sudo apt-get install -y --no-install-recommends prometheus']);
  });

  it('Ubuntu: chromium is a snap, so it is a manual step; macOS: brew, and bwrap does not exist there', () => {
    const ubuntu = planInstall([missing('chromium'), missing('git')], { os: 'linux', distro: ['ubuntu', 'debian'], uid: 0 });
    expect(ubuntu.run.at(-1)).toEqual(['apt-get', 'install', '-y', '--no-install-recommends', 'git']);
    expect(ubuntu.manual.join('\n')).toMatch(/snap install chromium/);
    const mac = planInstall([missing('prometheus'), missing('bwrap'), missing('chromium')], { os: 'darwin', distro: [], uid: 501 });
    expect(mac.run).toEqual([]);
    expect(mac.manual[0]).toBe('brew install prometheus --cask chromium');
    expect(mac.manual.join('\n')).toMatch(/bwrap: not available on macOS/);
  });

  it('things a package cannot fix are manual everywhere: old Node, bwrap without user namespaces', () => {
    expect(checkNode('20.19.0')).toMatchObject({ ok: false, required: true });
    expect(checkNode('22.12.0').ok).toBe(true);
    const plan = planInstall([checkNode('20.19.0'), missing('bwrap', true)], debianRoot);
    expect(plan.run).toEqual([]);
    expect(plan.manual.join('\n')).toMatch(/Node\.js >= 22\.12[\s\S]*user namespaces/);
  });
});

describe('firebreak doctor', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  beforeAll(async () => {
    tmp = await tempDir('doctor');
  });
  afterAll(() => tmp?.cleanup());

  it('--check on this machine reports every prerequisite and never installs', () => {
    const r = spawnSync(process.execPath, [CLI, 'doctor', '--check'], { encoding: 'utf8', timeout: 60_000 });
    for (const id of ['node', 'git', 'prometheus', 'bwrap', 'chromium']) expect(r.stdout).toMatch(new RegExp(`^(ok|MISSING|warning) +${id} `, 'm'));
    expect(r.stdout).toMatch(/^ok +node +v22\./m);
    expect(r.status).toBe(/^MISSING/m.test(r.stdout) ? 1 : 0);
    expect(r.stdout).not.toMatch(/^running: /m);
  });

  it('--check with prometheus missing exits 1 and prints the exact install commands', () => {
    const r = spawnSync(process.execPath, [CLI, 'doctor', '--check'], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, FIREBREAK_PROMETHEUS_BIN: join(tmp.dir, 'nope', 'prometheus') } });
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/^MISSING +prometheus +not found/m);
    expect(r.stdout).toMatch(/apt-get install -y --no-install-recommends prometheus/);
  });

  it('rejects unknown options with usage (exit 2)', () => {
    const r = spawnSync(process.execPath, [CLI, 'doctor', '--fix-everything'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/unknown option '--fix-everything'[\s\S]*usage: firebreak doctor/);
  });

  it('without --check on Debian as root it runs the plan, then checks again (install step faked: no apt in tests)', async () => {
    // A "prometheus" that only exists once the fake apt-get has run.
    const bin = join(tmp.dir, 'bin');
    await mkdir(bin, { recursive: true });
    const prometheus = join(bin, 'prometheus');
    const ran: string[] = [];
    const lines: string[] = [];
    const result = await runDoctor({
      platform: debianRoot,
      env: { ...process.env, FIREBREAK_PROMETHEUS_BIN: prometheus },
      out: (l) => lines.push(l),
      exec: async (argv) => {
        ran.push(argv.join(' '));
        if (argv[1] === 'install') {
          await writeFile(prometheus, '#!/bin/sh\necho "prometheus, version 2.42.0"\n');
          await chmod(prometheus, 0o755);
        }
        return 0;
      },
    });
    expect(ran).toEqual(['apt-get update', 'apt-get install -y --no-install-recommends prometheus']);
    expect(result.exitCode).toBe(0);
    expect(result.checks.find((c) => c.id === 'prometheus')).toMatchObject({ ok: true });
    expect(lines.join('\n')).toMatch(/MISSING +prometheus[\s\S]*running: apt-get update[\s\S]*ok +prometheus +prometheus, version 2\.42\.0/);
  });
});
