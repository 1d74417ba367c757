// `firebreak serve`, `firebreak incidents`, `firebreak respond --alert -` and `firebreak worker --config` as a
// user runs them: the compiled CLI in real processes, sharing one SQLite store. The config has no MCP servers,
// so an incident escalates at once (unresolved) — these tests are about the faces, not the response.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { eventually, http, killAll, runCli, startCli } from './helpers.js';

let dir: string;
const TOKEN = 'cli-test-token-0123456789abcdef';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'firebreak-serve-cli-'));
  await writeFile(join(dir, 'firebreak.config.json'), JSON.stringify({
    memory: 'sqlite:state/firebreak.db', approval: { policy: 'auto' }, postmortemDir: 'incidents', serve: { port: 0 },
  }));
  await writeFile(join(dir, 'token'), `${TOKEN}\n`);
});

afterEach(() => killAll());

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('firebreak serve', () => {
  it('serves, opens an incident from an alert, and stops on SIGTERM; incidents list/show read it from another process', async () => {
    const serve = await startCli(['serve'], { cwd: dir });
    expect(serve.ready).toMatchObject({ event: 'serve.ready', runner: 'local', recovered: [] });
    const res = await http(`${serve.url}/api/v1/alerts`, { body: { title: 'Queue backlog above 10k', severity: 'warning', labels: { service: 'billing' }, fingerprint: 'billing-backlog' } });
    expect(res.status).toBe(202);
    const id = res.body.opened[0].id as string;
    await eventually('the incident to end', async () => (await http(`${serve.url}/api/v1/incidents/${id}`)).body.endedAt);
    expect(await serve.stop()).toBe(0);
    expect(serve.stdout()).toMatch(/"event":"serve.stopped"/);

    const list = await runCli(['incidents', 'list', '--json'], { cwd: dir });
    expect(list.code, list.stderr).toBe(0);
    expect(JSON.parse(list.stdout)).toEqual([expect.objectContaining({
      id, status: 'unresolved', severity: 'p2', title: 'Queue backlog above 10k', endedAt: expect.any(String),
      alerts: [{ fingerprint: 'billing-backlog', status: 'firing' }], postmortemPath: join(dir, 'incidents', id, 'postmortem.md'),
    })]);
    const table = await runCli(['incidents', 'list'], { cwd: dir });
    expect(table.stdout).toMatch(new RegExp(`${id}\\s+unresolved\\s+p2 .* 1 \\(1 firing\\)\\s+Queue backlog above 10k`));
    const show = await runCli(['incidents', 'show', id, '--json'], { cwd: dir });
    expect(JSON.parse(show.stdout)).toMatchObject({ id, alerts: [{ fingerprint: 'billing-backlog', status: 'firing', opened: true }], outcome: { resolved: false } });
    const text = await runCli(['incidents', 'show', id], { cwd: dir });
    expect(text.stdout).toMatch(/billing-backlog\s+firing/);
    expect(text.stdout).toMatch(/post-mortem .*postmortem\.md/);

    const missing = await runCli(['incidents', 'show', 'inc-nope'], { cwd: dir });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no incident 'inc-nope'/);
    for (const bad of [['incidents'], ['incidents', 'lst'], ['incidents', 'list', '--limit', 'x'], ['incidents', 'show'], ['incidents', 'list', '--jsn']]) {
      const r = await runCli(bad, { cwd: dir });
      expect(r.code, bad.join(' ')).toBe(2);
    }
  }, 120_000);

  it('refuses a non-loopback bind without a token; with --token-file every request needs it', async () => {
    const open = await runCli(['serve', '--host', '0.0.0.0'], { cwd: dir });
    expect(open.code).toBe(2);
    expect(open.stderr).toMatch(/refusing to serve on 0\.0\.0\.0 without authentication: set FIREBREAK_TOKEN/);
    const noFile = await runCli(['serve', '--token-file', 'missing-token'], { cwd: dir });
    expect(noFile.code).toBe(2);
    expect(noFile.stderr).toMatch(/--token-file .*missing-token: cannot read it \(ENOENT\)/);
    const short = await runCli(['serve'], { cwd: dir, env: { FIREBREAK_TOKEN: 'short' } });
    expect(short.stderr).toMatch(/FIREBREAK_TOKEN is too short/);
    for (const bad of [['serve', '--port', 'http'], ['serve', '--approve', 'maybe'], ['serve', '--frobnicate']]) {
      expect((await runCli(bad, { cwd: dir })).code, bad.join(' ')).toBe(2);
    }

    const serve = await startCli(['serve', '--host', '0.0.0.0', '--token-file', 'token'], { cwd: dir });
    const local = serve.url.replace('0.0.0.0', '127.0.0.1');
    expect((await http(`${local}/healthz`)).status).toBe(401);
    expect((await http(`${local}/healthz`, { token: TOKEN })).body).toMatchObject({ status: 'ok', runner: 'local' });
    expect(serve.stderr()).not.toContain(TOKEN);
    expect(await serve.stop()).toBe(0);
  }, 120_000);
});

describe('firebreak respond --alert -', () => {
  it('reads the alert from stdin', async () => {
    const r = await runCli(['respond', '--alert', '-', '--id', 'inc-from-stdin'], { cwd: dir, input: JSON.stringify({ title: 'Disk full on db-1', severity: 'p3' }) });
    expect(r.stdout).toMatch(/incident inc-from-stdin: responding with/);
    expect(r.stdout).toMatch(/incident inc-from-stdin unresolved/);
    expect(r.code).toBe(1); // no MCP servers here: the ticket cannot be filed
    const empty = await runCli(['respond', '--alert', '-'], { cwd: dir, input: '' });
    expect(empty.code).toBe(2);
    expect(empty.stderr).toMatch(/cannot read the alert from stdin: stdin is empty/);
    const garbage = await runCli(['respond', '--alert', '-'], { cwd: dir, input: 'title: nope' });
    expect(garbage.code).toBe(2);
    expect(garbage.stderr).toMatch(/cannot read the alert from stdin: .*JSON/);
  }, 60_000);
});

describe('firebreak worker --config', () => {
  it('needs the dbos runner, and says how to get it', async () => {
    const r = await runCli(['worker', '--config', 'firebreak.config.json'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/a worker needs the dbos runner: PostgreSQL memory, or runner.kind "dbos"/);
    const clash = await runCli(['worker', '--config', 'firebreak.config.json', '--runner', 'dbos'], { cwd: dir });
    expect(clash.code).toBe(2);
    expect(clash.stderr).toMatch(/--runner does not go with --config/);
  });
});
