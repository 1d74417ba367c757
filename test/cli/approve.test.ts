// `firebreak approve` across processes, on SQLite, PostgreSQL and Redis memory: process A (a fixture running
// a gated deploy through the compiled library) waits for approval; process B is the built CLI. Measures the
// time from B's decision to A seeing it (printed; the figures are in the report, not asserted tightly).
import { execFile, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { openMemory } from '../../src/memory/index.js';
import { ApprovalBroker } from '../../src/workflows/approval-broker.js';
import { durableTargets } from '../memory/targets.js';

const cli = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
const fixture = fileURLToPath(new URL('./fixtures/approval-waiter.mjs', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'firebreak-approve-'));
const children = new Set<ChildProcessWithoutNullStreams>();
const cleanups: (() => Promise<void>)[] = [];
const latencies: Record<string, number[]> = {};

afterEach(() => {
  for (const c of children) c.kill('SIGKILL');
});
afterAll(async () => {
  for (const c of cleanups) await c();
  rmSync(dir, { recursive: true, force: true });
  for (const [backend, ms] of Object.entries(latencies)) {
    const sorted = [...ms].sort((a, b) => a - b);
    console.log(`[figures] approval decision -> waiting process sees it, ${backend}: n=${sorted.length} min=${sorted[0]} median=${sorted[Math.floor(sorted.length / 2)]} max=${sorted.at(-1)} ms`);
  }
});

interface Event { event: string; [k: string]: unknown }

/** Process A: the waiting workflow step, with its JSON-line events. */
function waiter(url: string, runId: string, timeoutMs: number, rounds = 1) {
  const proc = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', fixture, url, runId, String(timeoutMs), String(rounds)], { stdio: 'pipe', env: { ...process.env, FIREBREAK_LOG_LEVEL: 'error' } });
  children.add(proc);
  let out = '';
  let err = '';
  const events: Event[] = [];
  const waiting: { match: (e: Event) => boolean; resolve: (e: Event) => void }[] = [];
  proc.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  proc.stdout.setEncoding('utf8').on('data', (d: string) => {
    out += d;
    let nl;
    while ((nl = out.indexOf('\n')) >= 0) {
      const e = JSON.parse(out.slice(0, nl)) as Event;
      out = out.slice(nl + 1);
      events.push(e);
      for (const w of [...waiting]) if (w.match(e)) { waiting.splice(waiting.indexOf(w), 1); w.resolve(e); }
    }
  });
  const exited = new Promise<number | string>((resolve) => proc.once('exit', (code, signal) => {
    children.delete(proc);
    resolve(code ?? signal ?? -1);
  }));
  return {
    events,
    exited,
    /** The n-th (0-based) event of a kind, waiting for it; fails if A exits first. */
    next(kind: string, n = 0): Promise<Event> {
      const seen = events.filter((e) => e.event === kind);
      if (seen[n]) return Promise.resolve(seen[n]);
      let count = seen.length;
      return new Promise((resolve, reject) => {
        waiting.push({ match: (e) => e.event === kind && count++ === n, resolve });
        void exited.then((code) => reject(new Error(`the waiter exited (${code}) before '${kind}' #${n}: ${err}`)));
      });
    },
  };
}

/** Process B: the built CLI. */
function approve(args: string[], user = 'tester'): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--disable-warning=ExperimentalWarning', cli, 'approve', ...args], { cwd: dir, timeout: 60_000, env: { ...process.env, USER: user, FIREBREAK_LOG_LEVEL: 'error' } }, (error, stdout, stderr) => {
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

function config(name: string, memory: string): string {
  const file = join(dir, `${name}.config.json`);
  writeFileSync(file, JSON.stringify({ memory }));
  return file;
}

for (const target of await durableTargets()) {
  describe.skipIf(!target.available)(`firebreak approve across processes: ${target.name}`, () => {
    function isolated(): { url: string; cfg: string } {
      const { url, cleanup } = target.isolated();
      cleanups.push(cleanup);
      return { url, cfg: config(`${target.name}-${cleanups.length}`, url) };
    }

    it('approves what another process waits for; that process proceeds and records who approved', async () => {
      const { url, cfg } = isolated();
      const a = waiter(url, 'inc-approve', 120_000, 4);
      for (let i = 0; i < 4; i++) {
        const req = await a.next('requested', i);
        // By request id for the first, by tool name for the others (one pending at a time).
        const b = await approve(['inc-approve', '--config', cfg, '--action', i === 0 ? String(req.id) : 'deploy.deploy_service']);
        expect(b.code, b.stderr).toBe(0);
        expect(b.stdout).toBe(`approved deploy.deploy_service (request ${String(req.id)}) for incident inc-approve as cli:tester\n`);
        const seen = await a.next('decided', i);
        expect(seen).toMatchObject({ id: req.id, approved: true, by: 'cli:tester' });
        (latencies[target.name] ??= []).push(Number(seen.seenAt) - Number(seen.decidedAt));
        expect(await a.next('result', i)).toMatchObject({ isError: false, text: `deployed r${i}` });
      }
      expect(await a.exited).toBe(0);
      expect((await a.next('result', 3)).calls).toEqual(['deploy.deploy_service r0', 'deploy.deploy_service r1', 'deploy.deploy_service r2', 'deploy.deploy_service r3']);
      // Decided and done: nothing is pending, and the CLI says what the last request came to.
      const after = await approve(['inc-approve', '--config', cfg]);
      expect(after.code).toBe(1);
      expect(after.stderr).toMatch(/nothing is pending; the last request, deploy\.deploy_service \(request [\w-]+\) was already approved by cli:tester at /);
    }, 90_000);

    it('--reject --reason: the workflow sees the refusal and the reason; the tool never runs', async () => {
      const { url, cfg } = isolated();
      const a = waiter(url, 'inc-reject', 120_000);
      const req = await a.next('requested');
      const b = await approve(['inc-reject', '--reject', '--reason', 'change freeze until 18:00', '--config', cfg, '--json']);
      expect(b.code, b.stderr).toBe(0);
      expect(JSON.parse(b.stdout)).toMatchObject({ ok: true, incident: 'inc-reject', requestId: req.id, action: 'deploy.deploy_service', approved: false, by: 'cli:tester', reason: 'change freeze until 18:00' });
      expect(await a.next('decided')).toMatchObject({ approved: false, by: 'cli:tester', reason: 'change freeze until 18:00' });
      const result = await a.next('result');
      expect(result).toMatchObject({ isError: true, calls: [] });
      expect(result.text).toMatch(/approval required for deploy\.deploy_service: rejected by cli:tester: change freeze until 18:00\. The action was not performed\./);
      expect(await a.exited).toBe(0);
    }, 60_000);

    it('two deciders at once: exactly one wins; the other exits 1 naming the winner', async () => {
      const { url, cfg } = isolated();
      const a = waiter(url, 'inc-race', 120_000);
      await a.next('requested');
      const [alice, bob] = await Promise.all([
        approve(['inc-race', '--config', cfg, '--json'], 'alice'),
        approve(['inc-race', '--reject', '--reason', 'no', '--config', cfg, '--json'], 'bob'),
      ]);
      expect([alice.code, bob.code].sort()).toEqual([0, 1]);
      const [won, lost] = alice.code === 0 ? [alice, bob] : [bob, alice];
      const winner = JSON.parse(won.stdout) as { by: string; approved: boolean };
      expect(JSON.parse(lost.stdout)).toMatchObject({ ok: false, error: 'already-decided', decision: { by: winner.by, approved: winner.approved } });
      expect(await a.next('decided')).toMatchObject({ by: winner.by, approved: winner.approved });
      expect((await a.next('result')).calls).toEqual(winner.approved ? ['deploy.deploy_service r0'] : []);
    }, 60_000);

    it('nobody decides: the waiting process rejects at the timeout and escalates once; a late approve exits 1', async () => {
      const { url, cfg } = isolated();
      const a = waiter(url, 'inc-timeout', 1500);
      const req = await a.next('requested');
      expect(await a.next('decided')).toMatchObject({ approved: false, by: 'timeout' });
      expect(await a.next('escalated')).toMatchObject({ id: req.id });
      expect(await a.exited).toBe(0);
      expect(a.events.filter((e) => e.event === 'escalated')).toHaveLength(1);
      const late = await approve(['inc-timeout', '--action', String(req.id), '--config', cfg, '--json']);
      expect(late.code).toBe(1);
      expect(JSON.parse(late.stdout)).toMatchObject({ ok: false, error: 'timed-out', requestId: req.id });
    }, 60_000);
  });
}

describe('the MCP server decides for another process', () => {
  it('incident_approve in `firebreak mcp` approves what a process sharing its memory store waits for', async () => {
    const url = `sqlite:${join(dir, 'mcp.db')}`;
    const cfg = config('mcp', url);
    const a = waiter(url, 'inc-mcp', 120_000);
    const req = await a.next('requested');
    const client = new Client({ name: 'oncall-ide', version: '1.0.0' });
    await client.connect(new StdioClientTransport({ command: process.execPath, args: ['--disable-warning=ExperimentalWarning', cli, 'mcp', '--config', cfg], cwd: dir, stderr: 'pipe', env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, FIREBREAK_LOG_LEVEL: 'error' } }));
    try {
      const result = await client.callTool({ name: 'incident_approve', arguments: { id: 'inc-mcp', reason: 'checked the diff' } });
      expect(result.isError, JSON.stringify(result.content)).toBeFalsy();
      expect(result.structuredContent).toMatchObject({ id: 'inc-mcp', requestId: req.id, action: 'deploy.deploy_service', approved: true, by: 'mcp:oncall-ide' });
      expect(await a.next('decided')).toMatchObject({ approved: true, by: 'mcp:oncall-ide', reason: 'checked the diff' });
      expect(await a.next('result')).toMatchObject({ isError: false, calls: ['deploy.deploy_service r0'] });
      const again = await client.callTool({ name: 'incident_approve', arguments: { id: 'inc-mcp' } });
      expect(again.isError).toBe(true);
    } finally {
      await client.close();
    }
  }, 60_000);
});

describe('firebreak approve: nothing to decide, and bad input', () => {
  const sqlite = (name: string): { url: string; cfg: string } => {
    const url = `sqlite:${join(dir, `${name}.db`)}`;
    return { url, cfg: config(name, url) };
  };

  it('unknown incident, no matching request, several pending (exit 1 / 1 / 2), then a pick by id', async () => {
    const { url, cfg } = sqlite('choices');
    const unknown = await approve(['inc-nope', '--config', cfg]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/no incident 'inc-nope' in the memory store of this config/);

    // Two requests pending in one incident (waiting in this process, as another would).
    const store = await openMemory(url);
    const broker = new ApprovalBroker({ store });
    const stop = new AbortController();
    const merge = broker.request({ runId: 'inc-two', action: 'github.merge_pull_request', args: { pullNumber: 7 }, persona: 'devops' }, stop.signal);
    const deploy = broker.request({ runId: 'inc-two', action: 'deploy.deploy_service', args: { ref: 'abc' }, persona: 'devops' }, stop.signal);
    try {
      while ((await broker.pending('inc-two')).length < 2) await new Promise((r) => setTimeout(r, 20));
      const [m, d] = await broker.pending('inc-two');
      const ambiguous = await approve(['inc-two', '--config', cfg]);
      expect(ambiguous.code).toBe(2);
      expect(ambiguous.stderr).toMatch(/2 approvals are pending; name one with --action REQUEST_ID: .*github\.merge_pull_request.*deploy\.deploy_service/);
      const noMatch = await approve(['inc-two', '--action', 'deploy.rollback', '--config', cfg]);
      expect(noMatch.code).toBe(1);
      expect(noMatch.stderr).toMatch(/no approval request matches 'deploy\.rollback'; pending: /);
      const byId = await approve(['inc-two', '--action', d!.id, '--config', cfg]);
      expect(byId.code, byId.stderr).toBe(0);
      expect(await deploy).toMatchObject({ approved: true, by: 'cli:tester' });
      const byTool = await approve(['inc-two', '--action', 'github.merge_pull_request', '--reject', '--config', cfg]);
      expect(byTool.code, byTool.stderr).toBe(0);
      expect(await merge).toMatchObject({ approved: false, request: { id: m!.id } });
      const again = await approve(['inc-two', '--action', d!.id, '--config', cfg]);
      expect(again.code).toBe(1);
      expect(again.stderr).toMatch(/deploy\.deploy_service \(request [\w-]+\) was already approved by cli:tester at /);
    } finally {
      stop.abort();
      await Promise.allSettled([merge, deploy]);
      await store.close();
    }
  }, 60_000);

  it('exits 2 on bad input, naming it', async () => {
    const { cfg } = sqlite('bad');
    const none = await approve(['--config', cfg]);
    expect([none.code, none.stderr]).toEqual([2, expect.stringContaining('INCIDENT is required')]);
    const two = await approve(['a', 'b', '--config', cfg]);
    expect([two.code, two.stderr]).toEqual([2, expect.stringContaining('one incident at a time')]);
    const flag = await approve(['inc-1', '--approve', '--config', cfg]);
    expect([flag.code, flag.stderr]).toEqual([2, expect.stringContaining("unknown option '--approve'")]);
    const long = await approve(['inc-1', '--reason', 'x'.repeat(501), '--config', cfg]);
    expect([long.code, long.stderr]).toEqual([2, expect.stringContaining('--reason is 501 characters')]);
    const noConfig = await approve(['inc-1']);
    expect([noConfig.code, noConfig.stderr]).toEqual([2, expect.stringContaining('no firebreak.config.json here')]);
    writeFileSync(join(dir, 'broken.config.json'), '{"memory": 3}');
    const broken = await approve(['inc-1', '--config', 'broken.config.json']);
    expect([broken.code, broken.stderr]).toEqual([2, expect.stringMatching(/broken\.config\.json: invalid configuration:\n {2}- memory:/)]);
    const secretId = await approve(['token=ghp_abcdefghijklmnopqrstuvwxyz0123', '--config', cfg]);
    expect([secretId.code, secretId.stderr]).toEqual([2, expect.stringContaining('is not usable')]);
    expect(secretId.stderr).not.toContain('ghp_abcdefghijklmnopqrstuvwxyz0123');
    const privateMemory = await approve(['inc-1', '--config', config('private', 'memory:')]);
    expect([privateMemory.code, privateMemory.stderr]).toEqual([2, expect.stringContaining('needs a shared store')]);
  }, 60_000);
});
