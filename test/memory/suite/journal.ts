import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { JournalMismatchError, JournalOutputError, type DurableJournal } from '../../../src/memory/index.js';
import { named, run, sequence, step, type StepEvent } from '../../../src/primitives/index.js';
import type { Harness } from '../conformance.js';

/** Failing steps are expected here; keep their warnings out of the test output. */
const logger = pino({ level: 'silent' });

/** A 5-step incident workflow whose steps count their executions; `failAt` makes one step throw once. */
function workflow(counts: Record<string, number>, failAt?: { step: string; remaining: number }) {
  const s = (name: string, fn: (n: number) => number) =>
    step(name, (n: number) => {
      counts[name] = (counts[name] ?? 0) + 1;
      if (failAt?.step === name && failAt.remaining-- > 0) throw new Error(`${name} failed`);
      return fn(n);
    });
  return named('incident', sequence(s('detect', (n) => n + 1), s('diagnose', (n) => n * 10), s('fix', (n) => n + 5), s('deploy', (n) => n * 2), s('verify', (n) => n - 1)));
}

export function journalSuite(h: Harness): void {
  describe('run journal', () => {
    let journal: DurableJournal;
    const j = (): DurableJournal => (journal ??= h.store.journal());

    it('records and looks up outputs per (runId, path), including undefined and null', async () => {
      const runId = h.ns('run');
      await j().begin(runId, step('root', () => 1));
      expect(await j().lookup(runId, 'root/a')).toBeUndefined();
      await j().record(runId, 'root/a', { rows: [1, 2], note: 'é' });
      await j().record(runId, 'root/void', undefined);
      await j().record(runId, 'root/null', null);
      expect(await j().lookup(runId, 'root/a')).toEqual({ output: { rows: [1, 2], note: 'é' } });
      expect(await j().lookup(runId, 'root/void')).toEqual({ output: undefined });
      expect(await j().lookup(runId, 'root/null')).toEqual({ output: null });
      expect(await j().lookup(h.ns('run'), 'root/a')).toBeUndefined();
      const status = await j().status(runId);
      expect(status).toMatchObject({ runId, state: 'running', attempts: 1, steps: 3 });
      await j().finish(runId, { ok: false, error: 'deploy failed: token=abcdefgh1234' });
      expect(await j().status(runId)).toMatchObject({ state: 'failed', error: 'deploy failed: token=[REDACTED]' });
      expect((await j().status(runId))!.finishedAt).toBeInstanceOf(Date);
    });

    it('replays a completed run without executing any step', async () => {
      const runId = h.ns('run');
      const counts: Record<string, number> = {};
      expect(await run(workflow(counts), 1, { runId, journal: j(), logger })).toBe(49);
      const events: StepEvent[] = [];
      expect(await run(workflow(counts), 1, { runId, journal: j(), logger, onEvent: (e) => events.push(e) })).toBe(49);
      expect(counts).toEqual({ detect: 1, diagnose: 1, fix: 1, deploy: 1, verify: 1 });
      expect(events.filter((e) => e.type === 'end').map((e) => [e.path, e.type === 'end' && e.replayed])).toEqual([['incident', true]]);
      expect(await j().status(runId)).toMatchObject({ state: 'completed', attempts: 2, steps: 6 });
    });

    it('resumes a failed run from the first incomplete step', async () => {
      const runId = h.ns('run');
      const counts: Record<string, number> = {};
      const failAt = { step: 'fix', remaining: 1 };
      await expect(run(workflow(counts, failAt), 1, { runId, journal: j(), logger })).rejects.toThrow('fix failed');
      expect(await j().status(runId)).toMatchObject({ state: 'failed', error: 'fix failed', steps: 2 });
      expect(await run(workflow(counts, failAt), 1, { runId, journal: j(), logger })).toBe(49);
      expect(counts).toEqual({ detect: 1, diagnose: 1, fix: 2, deploy: 1, verify: 1 });
    });

    it('gives a side-effecting step the same idempotency key when the run resumes', async () => {
      const runId = h.ns('run');
      const keys: string[] = [];
      let fail = true;
      const open = step('open_pr', (_: unknown, ctx) => {
        keys.push(ctx.idempotencyKey);
        if (fail) throw new Error('network');
        return { pr: 7 };
      }, { sideEffect: true });
      const wf = named('fix', sequence(step('plan', () => 'plan'), open));
      await expect(run(wf, null, { runId, journal: j(), logger })).rejects.toThrow('network');
      fail = false;
      expect(await run(wf, null, { runId, journal: j(), logger })).toEqual({ pr: 7 });
      expect(keys).toHaveLength(2);
      expect(keys[0]).toBe(keys[1]);
      expect(keys[0]).toMatch(/^fb-[0-9a-f]{24}$/);
    });

    it('refuses to resume a run with a changed workflow, naming the first difference', async () => {
      const runId = h.ns('run');
      const a = step('detect', () => 1);
      const b = step('diagnose', (n: number) => n);
      const c = step('fix', (n: number) => n);
      await run(named('incident', sequence(a, b, c)), null, { runId, journal: j(), logger });
      const renamed = named('incident', sequence(a, step('investigate', (n: number) => n), c));
      const err = await run(renamed, null, { runId, journal: j(), logger }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(JournalMismatchError);
      expect(err).toMatchObject({ runId, path: 'incident/diagnose' });
      expect((err as Error).message).toMatch(/journal has step 'diagnose' \(step\).*workflow has step 'investigate' \(step\)/);
      const removed = await run(named('incident', sequence(a, b)), null, { runId, journal: j(), logger }).catch((e: unknown) => e);
      expect(removed).toMatchObject({ name: 'JournalMismatchError', path: 'incident/fix', current: undefined });
      // The refused attempts changed nothing: the original workflow still resumes.
      expect(await j().status(runId)).toMatchObject({ attempts: 1 });
      await run(named('incident', sequence(a, b, c)), null, { runId, journal: j(), logger });
    });

    it('names the step whose output is not JSON and suggests durable: false', async () => {
      const runId = h.ns('run');
      const wf = named('incident', sequence(step('fetch', () => new Map([['a', 1]])), step('use', (m: Map<string, number>) => m.size)));
      const err = await run(wf, null, { runId, journal: j(), logger }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(JournalOutputError);
      expect((err as Error).message).toMatch(/step 'incident\/fetch'.*output is a Map.*durable: false/);
      const counts = { fetch: 0 };
      const ok = named('incident', sequence(
        step('fetch', () => { counts.fetch++; return new Map([['a', 1]]); }, { durable: false }),
        step('use', (m: Map<string, number>) => m.size),
      ));
      const other = h.ns('run');
      expect(await run(ok, null, { runId: other, journal: j(), logger })).toBe(1);
      expect(await run(ok, null, { runId: other, journal: j(), logger })).toBe(1);
      expect(counts.fetch).toBe(1); // replayed from the parent's recorded output
    });

    it('does not journal an output that carries a secret: the step re-runs instead', async () => {
      const runId = h.ns('run');
      const secret = `ghp_${'canaryjournal'.padEnd(36, 'x')}`;
      let minted = 0;
      const wf = sequence(step('mint', () => { minted++; return { token: secret }; }), step('use', (o: { token: string }) => o.token.length));
      await run(wf, null, { runId, journal: j(), logger });
      expect(await j().lookup(runId, 'mint')).toBeUndefined();
      expect(await j().lookup(runId, 'use')).toEqual({ output: secret.length });
      expect((await h.target.rawDump(h.store)).includes(secret)).toBe(false);
    });

    it.skipIf(!h.target.shared)('stores prior outputs before a side effect runs, and everything before run() settles', async () => {
      const runId = h.ns('run');
      // A second connection sees only what has really been stored, not this journal's in-process state.
      const observer = (await h.open()).journal();
      let seenBeforeDeploy: unknown[] = [];
      const wf = named('incident', sequence(
        step('detect', () => 1),
        step('diagnose', (n: number) => n + 1),
        step('deploy', async (n: number) => {
          seenBeforeDeploy = await Promise.all(['incident/detect', 'incident/diagnose'].map((p) => observer.lookup(runId, p)));
          return n + 1;
        }, { sideEffect: true }),
        step('verify', (n: number) => n * 10),
      ));
      expect(await run(wf, null, { runId, journal: j(), logger })).toBe(30);
      expect(seenBeforeDeploy).toEqual([{ output: 1 }, { output: 2 }]);
      expect(await observer.status(runId)).toMatchObject({ state: 'completed', steps: 5 });
      expect(await observer.lookup(runId, 'incident/verify')).toEqual({ output: 30 });
    });

    it('forget() deletes a run so it can start over', async () => {
      const runId = h.ns('run');
      const counts: Record<string, number> = {};
      await run(workflow(counts), 1, { runId, journal: j(), logger });
      expect(await j().forget(runId)).toBe(true);
      expect(await j().forget(runId)).toBe(false);
      expect(await j().status(runId)).toBeUndefined();
      expect(await j().lookup(runId, 'incident/detect')).toBeUndefined();
      await run(workflow(counts), 1, { runId, journal: j(), logger });
      expect(counts.detect).toBe(2);
    });
  });
}
