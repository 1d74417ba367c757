import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { named, parallel, sequence, step, type AnyStep, type RunJournal } from '../../src/primitives/index.js';
import {
  LocalRunner, QueueFullError, RunCancelledError, RunFailedError, RunNotFoundError, UnknownWorkflowError, WorkflowRegistry,
  createRunner, parseRunnerConfig, RunnerConfigError, ResultTimeoutError, WorkflowRegistrationError,
} from '../../src/runners/index.js';

const silent = pino({ level: 'silent' });

/** A gate a test opens by hand: steps that await it hold a queue slot until then. */
function gate(): { wait: Promise<void>; open: () => void } {
  let open!: () => void;
  const wait = new Promise<void>((resolve) => (open = resolve));
  return { wait, open };
}

/** A RunJournal in memory, as the core defines it, to show that a new runner resumes from it. */
class MemoryJournal implements RunJournal {
  readonly records = new Map<string, unknown>();
  async begin(_runId: string, _root: AnyStep): Promise<void> {}
  async lookup(runId: string, path: string) {
    const key = `${runId}\0${path}`;
    return this.records.has(key) ? { output: this.records.get(key) } : undefined;
  }
  async record(runId: string, path: string, output: unknown) {
    this.records.set(`${runId}\0${path}`, output);
  }
}

describe('LocalRunner', () => {
  it('runs a registered workflow by definition or name and reports its status', async () => {
    const registry = new WorkflowRegistry();
    const def = registry.define('double-twice', sequence(step('a', (n: number) => n * 2), step('b', (n: number) => n * 2)));
    const runner = new LocalRunner(registry, { logger: silent });
    const h1 = await runner.enqueue(def, 3, { runId: 'r-1' });
    const h2 = await runner.enqueue('double-twice', 5);
    expect(await h1.result()).toBe(12);
    expect(await h2.result()).toBe(20);
    const status = await h1.status();
    expect(status).toMatchObject({ runId: 'r-1', workflow: 'double-twice', queue: 'incidents', priority: 'p2', state: 'succeeded', output: 12, attempts: 1 });
    expect(status.completedAt).toBeGreaterThanOrEqual(status.startedAt as number);
    expect((await runner.list({ state: 'succeeded' })).map((s) => s.runId)).toContain('r-1');
    await expect(runner.enqueue('nope', 1)).rejects.toBeInstanceOf(UnknownWorkflowError);
    await expect(runner.handle('missing').status()).rejects.toBeInstanceOf(RunNotFoundError);
    await runner.close();
  });

  it('starts a p0 before earlier p2s when the queue is saturated', async () => {
    const registry = new WorkflowRegistry();
    const g = gate();
    const started: string[] = [];
    registry.define('block', step('block', async () => g.wait), { queue: 'q' });
    registry.define('job', step('job', async (id: string) => void started.push(id)), { queue: 'q' });
    const runner = new LocalRunner(registry, { logger: silent, queues: { q: { workerConcurrency: 1 } } });
    const blocker = await runner.enqueue('block', undefined);
    const handles = [];
    for (let i = 0; i < 20; i++) handles.push(await runner.enqueue('job', `p2-${i}`, { priority: 'p2' }));
    handles.push(await runner.enqueue('job', 'p0', { priority: 'p0' }));
    handles.push(await runner.enqueue('job', 'p1', { priority: 'p1' }));
    g.open();
    await blocker.result();
    await Promise.all(handles.map((h) => h.result()));
    expect(started.slice(0, 3)).toEqual(['p0', 'p1', 'p2-0']);
    expect(started.slice(2)).toEqual(Array.from({ length: 20 }, (_, i) => `p2-${i}`));
  });

  it('rejects beyond the admission limit at once and loses nothing already queued', async () => {
    const registry = new WorkflowRegistry();
    const g = gate();
    registry.define('block', step('block', async () => g.wait), { queue: 'q' });
    registry.define('job', step('job', async (n: number) => n + 1), { queue: 'q' });
    const runner = new LocalRunner(registry, { logger: silent, queues: { q: { workerConcurrency: 1, maxQueued: 3 } } });
    const blocker = await runner.enqueue('block', undefined);
    const queued = await Promise.all([1, 2, 3].map((n) => runner.enqueue('job', n)));
    const err = await runner.enqueue('job', 4).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QueueFullError);
    expect(err).toMatchObject({ queue: 'q', queued: 3, limit: 3 });
    expect(await runner.depth('q')).toEqual({ waiting: 3, running: 1 });
    g.open();
    await blocker.result();
    expect(await Promise.all(queued.map((h) => h.result()))).toEqual([2, 3, 4]);
  });

  it('is idempotent on runId and dedupeKey', async () => {
    const registry = new WorkflowRegistry();
    let runs = 0;
    registry.define('count', step('count', async () => ++runs));
    const runner = new LocalRunner(registry, { logger: silent });
    const a = await runner.enqueue('count', undefined, { runId: 'same' });
    const b = await runner.enqueue('count', undefined, { runId: 'same' });
    const c = await runner.enqueue('count', undefined, { dedupeKey: 'alert-42' });
    const d = await runner.enqueue('count', undefined, { dedupeKey: 'alert-42' });
    expect(b.runId).toBe(a.runId);
    expect(d.runId).toBe(c.runId);
    await Promise.all([a.result(), c.result()]);
    expect(runs).toBe(2);
  });

  it('cancels queued and running runs, times runs out, and stops waiting on request', async () => {
    const registry = new WorkflowRegistry();
    registry.define('wait', step('wait', (_: unknown, ctx) => new Promise((_r, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason)))), { queue: 'q' });
    const runner = new LocalRunner(registry, { logger: silent, queues: { q: { workerConcurrency: 1 } } });
    const running = await runner.enqueue('wait', undefined);
    const queued = await runner.enqueue('wait', undefined);
    await expect(running.result({ timeoutMs: 20 })).rejects.toBeInstanceOf(ResultTimeoutError);
    await runner.cancel(queued.runId);
    await expect(queued.result()).rejects.toBeInstanceOf(RunCancelledError);
    expect((await queued.status()).state).toBe('cancelled');
    await runner.cancel(running.runId);
    await expect(running.result()).rejects.toBeInstanceOf(RunCancelledError);
    const timed = await runner.enqueue('wait', undefined, { timeoutMs: 30 });
    const err = await timed.result().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RunFailedError);
    expect((err as RunFailedError).cause).toMatchObject({ name: 'TimeoutError' });
  });

  it('resumes a failed run from its journal in a new runner, without redoing finished steps', async () => {
    const journal = new MemoryJournal();
    const counts = { a: 0, b: 0, c: 0, d: 0 };
    let failD = true;
    const build = (): WorkflowRegistry => {
      const registry = new WorkflowRegistry();
      registry.define('resumable', named('resumable', sequence(
        step('a', async (n: number) => (counts.a++, n + 1)),
        parallel({ b: step('b', async (n: number) => (counts.b++, n * 10)), c: step('c', async (n: number) => (counts.c++, n * 100)) }),
        step('d', async (r: { b: number; c: number }) => {
          counts.d++;
          if (failD) throw new Error('deploy tool down');
          return r.b + r.c;
        }),
      )));
      return registry;
    };
    const first = new LocalRunner(build(), { journal, logger: silent });
    const h = await first.enqueue('resumable', 1, { runId: 'incident-7' });
    await expect(h.result()).rejects.toThrow(/deploy tool down/);
    await first.close();
    failD = false;
    const second = new LocalRunner(build(), { journal, logger: silent });
    expect(await (await second.enqueue('resumable', 1, { runId: 'incident-7' })).result()).toBe(220);
    expect(counts).toEqual({ a: 1, b: 1, c: 1, d: 2 });
  });

  it('opens the journal named in config (the memory module\'s SQLite journal) and resumes from it after a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'firebreak-runner-'));
    try {
      const config = { kind: 'local' as const, journal: `sqlite:${join(dir, 'journal.db')}` };
      const effects: string[] = [];
      let failDeploy = true;
      const build = (): WorkflowRegistry => {
        const registry = new WorkflowRegistry();
        registry.define('fix', named('fix', sequence(
          step('open-pr', async (n: number) => (effects.push('pr'), n + 1), { sideEffect: true }),
          step('deploy', async (n: number) => {
            effects.push('deploy');
            if (failDeploy) throw new Error('deployer crashed');
            return n * 2;
          }, { sideEffect: true }),
        )));
        return registry;
      };
      const first = await createRunner(config, build(), { logger: silent });
      await expect((await first.enqueue('fix', 20, { runId: 'incident-9' })).result()).rejects.toThrow(/deployer crashed/);
      await first.close();
      failDeploy = false;
      const second = await createRunner(config, build(), { logger: silent });
      expect(await (await second.enqueue('fix', 20, { runId: 'incident-9' })).result()).toBe(42);
      await second.close();
      expect(effects).toEqual(['pr', 'deploy', 'deploy']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('validates config, names, inputs and options with errors that name the field', async () => {
    expect(() => parseRunnerConfig({ kind: 'dbos', database: 'mysql://x' })).toThrow(/database: must be a postgres/);
    expect(() => parseRunnerConfig({ kind: 'dbos', database: 'postgres://h/db', heartbeatMs: 1000, deadAfterMs: 1500 })).toThrow(/deadAfterMs: must be at least twice/);
    expect(() => parseRunnerConfig({ kind: 'local', queues: { q: { maxQueued: 0 } } })).toThrow(RunnerConfigError);
    expect(() => parseRunnerConfig({ kind: 'lokal' })).toThrow(/kind/);
    const registry = new WorkflowRegistry();
    expect(() => registry.define('bad name', step('s', () => 1))).toThrow(WorkflowRegistrationError);
    registry.define('typed', step('s', (n: number) => n), { validate: (v) => { if (typeof v !== 'number') throw new TypeError('input: expected a number'); return v; } });
    expect(() => registry.define('typed', step('s', () => 1))).toThrow(/already registered/);
    const runner = await createRunner({ kind: 'local' }, registry, { logger: silent });
    await expect(runner.enqueue('typed', 'x' as unknown as number)).rejects.toThrow(/input: expected a number/);
    await expect(runner.enqueue('typed', 1, { priority: 'p9' as never })).rejects.toThrow(/priority/);
    await expect(runner.enqueue('typed', 1, { queue: 'nowhere' })).rejects.toThrow(/queue: unknown queue 'nowhere'/);
    await runner.close();
  });
});
