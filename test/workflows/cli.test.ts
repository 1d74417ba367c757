// `firebreak respond` as a user runs it: the compiled CLI in a real process, MCP servers as stdio processes.
import { execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openMemory } from '../../src/memory/open.js';
import type { IncidentRecord } from '../../src/workflows/incident.js';
import { OWNER, poolAlert, SERVICE, settle, startWorld, type World } from './helpers/world.js';

const exec = promisify(execFile);
const cli = join(process.cwd(), 'dist', 'cli', 'main.js');
let world: World;

async function respond(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(process.execPath, [cli, 'respond', ...args], { cwd: world.dir, timeout: 120_000, env: { ...process.env, FIREBREAK_LOG_LEVEL: 'error' } });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

beforeAll(async () => {
  world = await startWorld();
  await writeFile(join(world.dir, 'alert.json'), JSON.stringify(poolAlert('critical')));
  await writeFile(join(world.dir, 'firebreak.config.json'), JSON.stringify({
    mcpServers: world.stdioServers(),
    tools: { serverOptions: { sandbox: { callTimeoutMs: 90_000 } } },
    memory: 'sqlite:state/firebreak.db',
    repository: `${OWNER}/${SERVICE}`,
    verification: { window: '4s', holdSeconds: 3, deadlineSeconds: 25, intervalSeconds: 0.5 },
    deploy: { backoffSeconds: 0.5 },
    postmortemDir: 'incidents',
  }));
}, 60_000);

beforeEach(async () => {
  await world.reset();
  await settle();
});

afterAll(async () => {
  await world?.stop();
});

describe('firebreak respond', () => {
  it('exits 2 on bad input, naming what is wrong', async () => {
    const noAlert = await respond([]);
    expect(noAlert.code).toBe(2);
    expect(noAlert.stderr).toContain('--alert FILE is required');

    await writeFile(join(world.dir, 'bad-alert.json'), JSON.stringify({ title: 'x', severity: 'banana' }));
    const badAlert = await respond(['--alert', 'bad-alert.json', '--approve', 'auto']);
    expect(badAlert.code).toBe(2);
    expect(badAlert.stderr).toMatch(/alert\.severity: 'banana' is not one of p0, p1, p2, p3/);

    await writeFile(join(world.dir, 'bad.config.json'), JSON.stringify({ personas: { backend: { budget: { turns: 0 } } } }));
    const badConfig = await respond(['--alert', 'alert.json', '--config', 'bad.config.json']);
    expect(badConfig.code).toBe(2);
    expect(badConfig.stderr).toMatch(/bad\.config\.json: invalid configuration:\n {2}- personas\.backend\.budget\.turns:/);

    const badModel = await respond(['--alert', 'alert.json', '--model', 'gpt-9']);
    expect(badModel.code).toBe(2);
    expect(badModel.stderr).toMatch(/--model|model: expected playbook/);
  }, 60_000);

  it('runs the workflow to recovery, prints the milestones and writes the post-mortem (exit 0)', async () => {
    const r = await respond(['--alert', 'alert.json', '--approve', 'auto', '--id', 'inc-cli-1']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^incident inc-cli-1: responding with playbook \(no LLM\)/m);
    expect(r.stdout).toMatch(/\[\d\d:\d\d\] observability +observability: .*database connection pool is too small for the load/);
    expect(r.stdout).toMatch(/\[\d\d:\d\d\] devops +deploy \w+/);
    expect(r.stdout).toMatch(/incident inc-cli-1 resolved: Deployed the fix/);
    const path = /^post-mortem: (.+)$/m.exec(r.stdout)?.[1];
    expect(path).toBe(join(world.dir, 'incidents', 'inc-cli-1', 'postmortem.md'));
    expect(existsSync(path!)).toBe(true);
    expect(readFileSync(path!, 'utf8')).toMatch(/^# Post-Mortem: API error rate above 5%/);
  }, 120_000);

  it('exits 1 when the incident is not resolved (approvals denied)', async () => {
    const r = await respond(['--alert', 'alert.json', '--approve', 'deny', '--id', 'inc-cli-2']);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toMatch(/github\.merge_pull_request rejected by policy:deny/);
    expect(r.stdout).toMatch(/incident inc-cli-2 unresolved/);
  }, 120_000);

  it('without a terminal, prints the `firebreak approve` command for each approval; run from another process, it lets the incident proceed', async () => {
    const proc = spawn(process.execPath, [cli, 'respond', '--alert', 'alert.json', '--approve', 'require', '--id', 'inc-cli-3'], {
      cwd: world.dir, stdio: 'pipe', env: { ...process.env, FIREBREAK_LOG_LEVEL: 'error' },
    });
    let out = '';
    let err = '';
    proc.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
    const commands: string[] = [];
    const decided: Promise<{ code: number; stdout: string; stderr: string }>[] = [];
    proc.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      for (const m of out.matchAll(/^approval needed: (\S+) .* with: firebreak (approve inc-cli-3 --action [\w-]+) \(add --reject --reason TEXT to refuse\)$/gm)) {
        if (commands.includes(m[2]!)) continue;
        commands.push(m[2]!);
        // The operator, in another shell: exactly the printed command.
        decided.push(new Promise((resolve) => execFile(process.execPath, [cli, ...m[2]!.split(' ')], { cwd: world.dir, env: { ...process.env, USER: 'oncall', FIREBREAK_LOG_LEVEL: 'error' } },
          (error, stdout, stderr) => resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }))));
      }
    });
    try {
      expect(await exited, out + err).toBe(0);
      const results = await Promise.all(decided);
      expect(results.map((r) => r.code), JSON.stringify(results)).toEqual([0, 0]);
      expect(results.map((r) => r.stdout.split(' ').slice(0, 2).join(' '))).toEqual(['approved github.merge_pull_request', 'approved deploy.deploy_service']);
      expect(out).toMatch(/github\.merge_pull_request approved by cli:oncall/);
      expect(out).toMatch(/incident inc-cli-3 resolved/);
      const memory = await openMemory(`sqlite:${join(world.dir, 'state', 'firebreak.db')}`);
      try {
        const record = (await memory.get('incident-inc-cli-3', 'record')) as unknown as IncidentRecord;
        expect(record.approvals.map((a) => [a.request.action, a.decision?.approved, a.decision?.by])).toEqual([
          ['github.merge_pull_request', true, 'cli:oncall'],
          ['deploy.deploy_service', true, 'cli:oncall'],
        ]);
      } finally {
        await memory.close();
      }
    } finally {
      proc.kill('SIGKILL');
    }
  }, 120_000);
});
