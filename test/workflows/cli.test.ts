// `firebreak respond` as a user runs it: the compiled CLI in a real process, MCP servers as stdio processes.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
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
    expect(r.stdout).toMatch(/\[\d\d:\d\d\] observability +observability: .*database connection pool is exhausted/);
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
});
