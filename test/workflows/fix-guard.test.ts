import { describe, expect, it } from 'vitest';
import { run, step } from '../../src/index.js';
import type { Context } from '../../src/primitives/types.js';
import type { ToolResult, ToolSet } from '../../src/tools/types.js';
import { covers, expectedEffect, fileChanges, guardFixes, type FixGuardOptions } from '../../src/workflows/fix-guard.js';
import { fakeForge } from './helpers/fake-forge.js';

const CONFIG = JSON.stringify({ service: { version: '1.4.2' }, pool: { size: 24, acquireTimeoutMs: 2400 }, workers: { concurrency: 4, taskTimeoutMs: 2000, maxAttempts: 3 } }, null, 2);
const withConfig = (patch: (c: Record<string, Record<string, unknown>>) => void): string => {
  const c = JSON.parse(CONFIG) as Record<string, Record<string, unknown>>;
  patch(c);
  return JSON.stringify(c, null, 2);
};
const repo = { owner: 'acme', repo: 'api' };
const BODY = '## Root Cause\n\nPool too small.\n\n## Expected effect\n\npool 24 -> 36: 40 req/s x 0.7 s = 28 in flight, 78% of the pool\n\n## Testing\n\n- node --test: exit 0\n';
const pr = (body = BODY, head = 'hotfix/pool'): Record<string, unknown> => ({ ...repo, title: 'hotfix', head, base: 'main', body });
const push = (files: Record<string, string>, branch = 'hotfix/pool'): Record<string, unknown> => ({ ...repo, branch, message: 'hotfix', files: Object.entries(files).map(([path, content]) => ({ path, content })) });

interface Seen {
  results: ToolResult[];
  events: { name: string; data: Record<string, unknown> }[];
}

/** Runs the calls in order through a guard inside a persona-shaped path (backend/turn-1), collecting results and events. */
async function through(inner: ToolSet, opts: FixGuardOptions, calls: [string, Record<string, unknown>][]): Promise<Seen> {
  const guarded = guardFixes(inner, opts);
  const events: Seen['events'] = [];
  const results = await run(step('backend', async (_: unknown, ctx: Context) => ctx.run(step('turn-1', async (_i: unknown, turn: Context) => {
    const out: ToolResult[] = [];
    for (const [name, args] of calls) out.push(await guarded.call(name, args, { ctx: turn }));
    return out;
  }), undefined)), undefined, { onEvent: (e) => { if (e.type === 'custom') events.push({ name: e.name, data: e.data }); } });
  return { results, events };
}

const refusal = (r: ToolResult | undefined): string | undefined => (r?.structuredContent?.refusedByFixGuard ? String(r.structuredContent.reason) : undefined);
const implicated = (...settings: string[]): FixGuardOptions => ({ implicated: settings, baseBranch: 'main' });

describe('fix guard: writes', () => {
  it('refuses writes to the base branch (both write tools) before they reach GitHub, and records the refusal', async () => {
    const forge = fakeForge({ 'service.config.json': CONFIG });
    const { results, events } = await through(forge, implicated('pool.size'), [
      ['github.push_files', push({ 'service.config.json': withConfig((c) => { c.pool!.size = 36; }) }, 'main')],
      ['github.create_or_update_file', { ...repo, branch: 'main', path: 'service.config.json', content: '{}', message: 'm' }],
    ]);
    for (const r of results) {
      expect(r.isError).toBe(true);
      expect(refusal(r)).toBe("writes to the base branch 'main' are not allowed: push to a hotfix branch and open a pull request");
      expect(r.content[0]).toMatchObject({ type: 'text', text: expect.stringMatching(/^refused before it reached GitHub: writes to the base branch/) });
    }
    expect(forge.calls).toEqual([]);
    expect(events.filter((e) => e.name === 'tool.refused').map((e) => e.data)).toEqual([
      { persona: 'backend', tool: 'github.push_files', reason: expect.stringContaining('base branch'), guard: 'fix' },
      { persona: 'backend', tool: 'github.create_or_update_file', reason: expect.stringContaining('base branch'), guard: 'fix' },
    ]);
  });

  it('lets writes to other branches through (and any branch when the base is unknown)', async () => {
    const forge = fakeForge({ 'service.config.json': CONFIG });
    const { results } = await through(forge, implicated('pool.size'), [['github.push_files', push({ 'a.txt': 'x' })]]);
    expect(results[0]!.isError).toBeUndefined();
    const open = await through(fakeForge({}), { implicated: ['x'], baseBranch: undefined }, [['github.create_or_update_file', { ...repo, branch: 'main', path: 'a', content: 'b', message: 'm' }]]);
    expect(open.results[0]!.isError).toBeUndefined();
  });
});

describe('fix guard: pull requests must carry the implicated change and its expected effect', () => {
  it('a valid fix passes: the PR is opened, and fix.checked records the change against the diagnosis', async () => {
    const forge = fakeForge({ 'service.config.json': CONFIG });
    const { results, events } = await through(forge, implicated('pool.size'), [
      ['github.push_files', push({ 'service.config.json': withConfig((c) => { c.pool!.size = 36; }) })],
      ['github.create_pull_request', pr()],
    ]);
    expect(results[1]!.isError).toBeUndefined();
    expect(results[1]!.structuredContent).toMatchObject({ number: 7 });
    expect(events.filter((e) => e.name === 'fix.checked').map((e) => e.data)).toEqual([
      { head: 'hotfix/pool', changes: [{ path: 'pool.size', before: 24, after: 36 }], implicated: ['pool.size'] },
    ]);
    expect(events.some((e) => e.name === 'tool.refused')).toBe(false);
  });

  it('a patch that changes nothing is refused — also when only the formatting of the JSON changed', async () => {
    for (const content of [CONFIG, JSON.stringify(JSON.parse(CONFIG))]) {
      const forge = fakeForge({ 'service.config.json': CONFIG });
      const { results } = await through(forge, implicated('workers'), [
        ['github.push_files', push({ 'service.config.json': content })],
        ['github.create_pull_request', pr()],
      ]);
      expect(refusal(results[1])).toBe("the patch changes nothing: service.config.json on 'hotfix/pool' equals 'main'. Only open a pull request for a change that does something");
      expect(forge.calls.map((c) => c.name)).not.toContain('github.create_pull_request');
    }
  });

  it('a patch touching a setting the diagnosis does not implicate is refused, naming only the unrelated ones', async () => {
    const forge = fakeForge({ 'service.config.json': CONFIG });
    const { results } = await through(forge, implicated('workers.concurrency'), [
      ['github.push_files', push({ 'service.config.json': withConfig((c) => { c.workers!.concurrency = 8; c.workers!.taskTimeoutMs = 1000; }) })],
      ['github.create_pull_request', pr()],
    ]);
    expect(refusal(results[1])).toBe('the patch changes settings the diagnosis does not implicate: workers.taskTimeoutMs: 2000 -> 1000 (implicated: workers.concurrency). Change only those');
  });

  it('a diagnosis that implicates nothing (empty or missing list) allows no change at all', async () => {
    for (const list of [[], undefined]) {
      const forge = fakeForge({ 'service.config.json': CONFIG });
      const { results } = await through(forge, { implicated: list, baseBranch: 'main' }, [
        ['github.push_files', push({ 'service.config.json': withConfig((c) => { c.pool!.size = 36; }) })],
        ['github.create_pull_request', pr()],
      ]);
      expect(refusal(results[1])).toBe('the diagnosis implicates no setting (rootCause.settings is empty), so this change (pool.size: 24 -> 36) cannot be checked against it: do not change anything; answer with remedy none and say what you found');
    }
  });

  it('a parent setting covers what is under it: `pool` allows pool.size and a new pool.maxWaiters', async () => {
    const forge = fakeForge({ 'service.config.json': CONFIG });
    const { results } = await through(forge, implicated('pool'), [
      ['github.push_files', push({ 'service.config.json': withConfig((c) => { c.pool!.size = 48; c.pool!.maxWaiters = 192; }) })],
      ['github.create_pull_request', pr()],
    ]);
    expect(refusal(results[1])).toBeUndefined();
  });

  describe('the expected effect, in numbers', () => {
    const attempt = async (body: string): Promise<string | undefined> => {
      const forge = fakeForge({ 'service.config.json': CONFIG });
      const { results } = await through(forge, implicated('pool.size'), [
        ['github.push_files', push({ 'service.config.json': withConfig((c) => { c.pool!.size = 36; }) })],
        ['github.create_pull_request', pr(body)],
      ]);
      return refusal(results[1]);
    };
    const MISSING = 'the pull request body must state the expected effect in numbers under "## Expected effect" (e.g. "pool 24 -> 36: 40 req/s x 0.7 s = 28 in flight, 78% of the pool")';

    it('is refused when missing, or stated without a figure', async () => {
      expect(await attempt('## Root Cause\n\nPool too small (24 connections).')).toBe(MISSING);
      expect(await attempt('## Expected effect\n\nThe errors should stop.\n')).toBe(MISSING);
      expect(await attempt('')).toBe(MISSING);
    });

    it("is refused when its section is empty, even if a later section has figures", async () => {
      expect(await attempt('## Expected effect\n\n## Testing\n\n- node --test: exit 0, 12 tests')).toBe(MISSING);
      expect(await attempt('## Expected effect\n## Rollback Plan\nroll back to r3 (abc1234)')).toBe(MISSING);
    });

    it('passes as a section with a figure, or as one line with figures', async () => {
      expect(await attempt(BODY)).toBeUndefined();
      expect(await attempt('### expected effect\nThe pool stays under 80% (28 of 36 connections).')).toBeUndefined();
      expect(await attempt('Change: pool.size 24 -> 36\nExpected effect: 28 in flight of 36.\n')).toBeUndefined();
    });

    it('expectedEffect returns the statement, stopping at the next heading', () => {
      expect(expectedEffect(BODY)).toBe('\n\npool 24 -> 36: 40 req/s x 0.7 s = 28 in flight, 78% of the pool\n');
      expect(expectedEffect('**Expected effect:** p95 1.2 s -> 0.3 s\nmore\n  ## next\nx')).toBe(':** p95 1.2 s -> 0.3 s\nmore');
      expect(expectedEffect('no such section')).toBeUndefined();
    });
  });
});

describe('fix guard: what the branch changes', () => {
  it('is read from GitHub (list_commits + get_commit), so pushes this process never saw still count — a resumed run', async () => {
    const forge = fakeForge({ 'service.config.json': CONFIG, 'README.md': '# api' });
    forge.commit('hotfix/pool', { 'service.config.json': withConfig((c) => { c.pool!.size = 36; }) });
    forge.commit('hotfix/pool', { 'README.md': '# api\n\npool raised' });
    const { results, events } = await through(forge, implicated('pool.size'), [['github.create_pull_request', pr()]]);
    expect(refusal(results[0])).toBe('the patch changes settings the diagnosis does not implicate: README.md: "(text)" -> "(changed)" (implicated: pool.size). Change only those');
    expect(forge.calls.filter((c) => c.name === 'github.get_commit').map((c) => c.args)).toEqual([
      { ...repo, sha: 'c0000002', include_diff: false }, { ...repo, sha: 'c0000001', include_diff: false },
    ]);
    expect(events.filter((e) => e.name === 'fix.checked')).toEqual([]);
  });

  it('GitHub is the truth when it can answer: a branch with no commits of its own carries nothing, whatever was pushed elsewhere', async () => {
    const forge = fakeForge({ 'service.config.json': CONFIG });
    const { results } = await through(forge, implicated('pool.size'), [
      ['github.push_files', push({ 'service.config.json': withConfig((c) => { c.pool!.size = 36; }) }, 'hotfix/other')],
      ['github.create_pull_request', pr(BODY, 'hotfix/pool')],
    ]);
    expect(refusal(results[1])).toBe("nothing was pushed to 'hotfix/pool': a pull request must carry the change the diagnosis calls for");
  });

  it('falls back to the pushes it observed when the commit tools are missing', async () => {
    const forge = fakeForge({ 'service.config.json': CONFIG }, { commitTools: false });
    const ok = await through(forge, implicated('pool.size'), [
      ['github.create_or_update_file', { ...repo, branch: 'hotfix/pool', path: '/service.config.json', content: withConfig((c) => { c.pool!.size = 36; }), message: 'm' }],
      ['github.create_pull_request', pr()],
    ]);
    expect(refusal(ok.results[1])).toBeUndefined();
    expect(ok.events.find((e) => e.name === 'fix.checked')?.data.changes).toEqual([{ path: 'pool.size', before: 24, after: 36 }]);
    // A fresh guard (another process) saw no push and cannot ask GitHub: it refuses rather than guess.
    const fresh = await through(forge, implicated('pool.size'), [['github.create_pull_request', pr()]]);
    expect(refusal(fresh.results[0])).toBe("nothing was pushed to 'hotfix/pool': a pull request must carry the change the diagnosis calls for");
  });

  it('falls back to observed pushes when the commit tools fail, and counts only successful pushes', async () => {
    const forge = fakeForge({ 'service.config.json': CONFIG }, { failing: ['github.get_commit'] });
    const { results } = await through(forge, implicated('pool.size'), [
      ['github.push_files', push({ 'service.config.json': withConfig((c) => { c.pool!.size = 36; }) })],
      ['github.create_pull_request', pr()],
    ]);
    expect(refusal(results[1])).toBeUndefined();
    const failingPush = fakeForge({ 'service.config.json': CONFIG }, { commitTools: false, failing: ['github.push_files'] });
    const seen = await through(failingPush, implicated('pool.size'), [
      ['github.push_files', push({ 'service.config.json': withConfig((c) => { c.pool!.size = 36; }) })],
      ['github.create_pull_request', pr()],
    ]);
    expect(refusal(seen.results[1])).toMatch(/^nothing was pushed/);
  });

  it('non-JSON files change as a whole: allowed only when the diagnosis names the file; deletions and new files too', async () => {
    const base = { 'service.config.json': CONFIG, 'src/db.js': 'export const timeout = 5000;\n', 'old.txt': 'x' };
    const forge = fakeForge(base);
    forge.commit('hotfix/pool', { 'src/db.js': 'export const timeout = 500;\n', 'old.txt': null, 'new.yaml': 'a: 1' });
    const refused = await through(forge, implicated('src/db.js'), [['github.create_pull_request', pr()]]);
    expect(refusal(refused.results[0])).toBe('the patch changes settings the diagnosis does not implicate: old.txt: "(text)" -> "(deleted)"; new.yaml: (unset) -> "(changed)" (implicated: src/db.js). Change only those');
    const allowed = await through(forge, implicated('src/db.js', 'old.txt', 'new.yaml'), [['github.create_pull_request', pr()]]);
    expect(refusal(allowed.results[0])).toBeUndefined();
  });

  it('keys of other JSON files are qualified by the file: `worker.json` covers `worker.json:concurrency`, a bare key does not', async () => {
    const forge = fakeForge({ 'service.config.json': CONFIG, 'worker.json': '{"concurrency":4}' });
    forge.commit('hotfix/pool', { 'worker.json': '{"concurrency":8}' });
    expect(refusal((await through(forge, implicated('concurrency'), [['github.create_pull_request', pr()]])).results[0])).toMatch(/worker\.json:concurrency: 4 -> 8/);
    expect(refusal((await through(forge, implicated('worker.json'), [['github.create_pull_request', pr()]])).results[0])).toBeUndefined();
    expect(refusal((await through(forge, implicated('worker.json:concurrency'), [['github.create_pull_request', pr()]])).results[0])).toBeUndefined();
  });
});

describe('fix guard: helpers', () => {
  it('covers: itself, what is under it, a whole file — and not a longer name sharing the prefix', () => {
    expect(covers('pool', 'pool')).toBe(true);
    expect(covers('pool', 'pool.size')).toBe(true);
    expect(covers('pool', 'pool.limits.max')).toBe(true);
    expect(covers(' pool.size ', 'pool.size')).toBe(true);
    expect(covers('pool', 'poolx')).toBe(false);
    expect(covers('pool', 'poolx.size')).toBe(false);
    expect(covers('pool.size', 'pool')).toBe(false);
    expect(covers('pool.size', 'pool.sizeMax')).toBe(false);
    expect(covers('worker.json', 'worker.json:a.b')).toBe(true);
    expect(covers('', 'pool.size')).toBe(false);
  });

  it('fileChanges: key-level for JSON (the main config bare, others qualified), whole-file otherwise', () => {
    expect(fileChanges('service.config.json', '{"a":{"b":1}}', '{"a":{"b":2}}')).toEqual([{ path: 'a.b', before: 1, after: 2 }]);
    expect(fileChanges('cfg/worker.json', '{"a":1}', '{"a":1,"b":2}')).toEqual([{ path: 'cfg/worker.json:b', before: undefined, after: 2 }]);
    expect(fileChanges('x.json', '{"a":1}', 'not json')).toEqual([{ path: 'x.json', before: '(text)', after: '(changed)' }]);
    expect(fileChanges('app.js', 'a', 'a')).toEqual([]);
    expect(fileChanges('app.js', undefined, 'a')).toEqual([{ path: 'app.js', before: undefined, after: '(changed)' }]);
    expect(fileChanges('x.json', '{"a":1}', '{ "a": 1 }')).toEqual([]);
  });
});
