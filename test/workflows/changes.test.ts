import { describe, expect, it } from 'vitest';
import {
  summarize, buildChangeReport, configDiff, describeConfigChanges, describeRelease, rolloutChanges, sameRelease, versionChanges,
  type ChangeReport, type RolloutRecord,
} from '../../src/workflows/changes.js';
import { findKnownGood } from '../../src/workflows/known-good.js';

// Change awareness as pure functions: deploy history in the deployer's shape (src/lab/deployer/types.ts).

const T0 = Date.parse('2026-11-23T04:00:00.000Z');
/** ISO time `s` seconds after T0. */
const at = (s: number): string => new Date(T0 + s * 1000).toISOString();
/** Unix seconds `s` seconds after T0. */
const unix = (s: number): number => Math.floor((T0 + s * 1000) / 1000);

const REV = { A: 'a'.repeat(40), B: 'b'.repeat(40), C: 'c'.repeat(40), D: 'd'.repeat(40) } as const;
type Rev = keyof typeof REV;

/** One rollout of release `id` (revision `rev`) replacing `prev`, from `start` to `start + 10` seconds. */
function rollout(id: string, rev: Rev, prev: [string, Rev] | undefined, start: number, extra: Partial<RolloutRecord> = {}): RolloutRecord {
  return {
    kind: 'deploy', triggeredBy: 'lab', ref: 'main', releaseId: id, revision: REV[rev], version: `1.${rev.charCodeAt(0) - 64}.0`,
    ...(prev ? { previousReleaseId: prev[0], previousRevision: REV[prev[1]], previousVersion: `1.${prev[1].charCodeAt(0) - 64}.0` } : {}),
    startedAt: at(start), finishedAt: at(start + 10), outcome: 'succeeded', ...extra,
  };
}

const SYMPTOM = 3600; // the alert started at T0 + 1 h

/** A change report for `history` as the situation stage builds it, `now` seconds after T0. */
const report = (history: RolloutRecord[], now = SYMPTOM + 600, extra: Partial<Parameters<typeof buildChangeReport>[0]> = {}): ChangeReport =>
  buildChangeReport({ symptomStart: at(SYMPTOM), now: T0 + now * 1000, rollouts: history, sources: { deploy: 'ok' }, ...extra });

/** A health oracle: healthy at a time unless it falls in one of the `bad` [from, to) ranges (seconds after T0); records what was asked. */
function health(bad: [number, number][]): ((t: number) => Promise<boolean>) & { asked: number[] } {
  const asked: number[] = [];
  const fn = async (t: number): Promise<boolean> => {
    asked.push(t);
    return !bad.some(([from, to]) => t >= unix(from) && t < unix(to));
  };
  return Object.assign(fn, { asked });
}

const O = { minLiveSeconds: 120, suspectWindowMinutes: 30 };

describe('rolloutChanges', () => {
  it('a rollout that replaced a running release with another revision is a change; a first deploy and a redeploy of the same revision are not', () => {
    const changes = rolloutChanges([
      rollout('r1', 'A', undefined, 0),
      rollout('r2', 'A', ['r1', 'A'], 600, { triggeredBy: 'tool', reason: 'restart' }),
      rollout('r3', 'B', ['r2', 'A'], 1200),
    ]);
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({ kind: 'deploy', startedAt: at(1200), at: at(1210), release: { releaseId: 'r3', revision: REV.B }, previous: { releaseId: 'r2', revision: REV.A }, outcome: 'succeeded', trigger: 'lab' });
    expect(changes[0]!.summary).toBe('deploy of r3 (bbbbbbb, v1.2.0) replacing r2 (aaaaaaa, v1.1.0): succeeded');
  });

  it('previousSince is when the replaced release went live — through redeploys of the same revision, not from the last restart', () => {
    const [change] = rolloutChanges([
      rollout('r1', 'A', undefined, 0),
      rollout('r2', 'A', ['r1', 'A'], 3000), // a restart 10 min before the next deploy
      rollout('r3', 'A', ['r2', 'A'], 3500), // and another
      rollout('r4', 'B', ['r3', 'A'], 3540),
    ]);
    expect(change!.previousSince).toBe(at(10));
  });

  it('previousSince skips failed rollouts and rollouts after the change began', () => {
    const changes = rolloutChanges([
      rollout('r1', 'A', undefined, 0),
      rollout('r2', 'B', ['r1', 'A'], 600, { outcome: 'failed', error: 'exit 1: Error: missing dependency\n    at start (/srv/app.js:1)' }),
      rollout('r1', 'A', ['r2', 'B'], 700, { kind: 'rollback', triggeredBy: undefined, trigger: 'tool' }),
      rollout('r3', 'C', ['r1', 'A'], 1200),
    ]);
    expect(changes.map((c) => [c.kind, c.release.releaseId, c.previousSince])).toEqual([
      ['deploy', 'r2', at(10)],
      ['rollback', 'r1', undefined], // r2 never went live: its only rollout failed
      ['deploy', 'r3', at(710)], // r1 live again since the rollback finished, not since its first deploy
    ]);
    expect(changes[0]!.error).toBe('exit 1: Error: missing dependency');
    expect(changes[1]!.trigger).toBe('tool'); // older deployers call it `trigger`
  });

  it('orders by start whatever order the history came in; an unfinished rollout takes effect at its start; no start, no change', () => {
    const changes = rolloutChanges([
      rollout('r3', 'C', ['r2', 'B'], 1200, { finishedAt: undefined, outcome: 'in-progress' }),
      rollout('r2', 'B', ['r1', 'A'], 600),
      rollout('r9', 'D', ['r3', 'C'], 1300, { startedAt: undefined }),
    ]);
    expect(changes.map((c) => [c.release.releaseId, c.at])).toEqual([['r2', at(610)], ['r3', at(1200)]]);
  });

  it('keeps a long error to its first line, at most 300 characters', () => {
    const [c] = rolloutChanges([rollout('r2', 'B', ['r1', 'A'], 0, { outcome: 'failed', error: 'x'.repeat(500) })]);
    expect(c!.error).toHaveLength(300);
  });
});

describe('versionChanges', () => {
  it('the oldest series is the baseline; each newer one is a change from the one before, starting when the old one stopped or the new one began', () => {
    const changes = versionChanges([
      { version: '1.2.0', revision: REV.B, firstSeen: unix(1000), lastSeen: unix(2000) },
      { version: '1.1.0', revision: REV.A, firstSeen: unix(0), lastSeen: unix(1010) }, // overlaps: a rolling restart
      { version: '1.3.0', firstSeen: unix(2100), lastSeen: unix(3000) },
    ]);
    expect(changes).toEqual([
      { kind: 'version', at: at(1000), startedAt: at(1000), release: { version: '1.2.0', revision: REV.B }, previous: { version: '1.1.0', revision: REV.A }, summary: 'version bbbbbbb (bbbbbbb, v1.2.0) first seen, after aaaaaaa (aaaaaaa, v1.1.0)' },
      { kind: 'version', at: at(2100), startedAt: at(2000), release: { version: '1.3.0' }, previous: { version: '1.2.0', revision: REV.B }, summary: 'version ? (v1.3.0) first seen, after bbbbbbb (bbbbbbb, v1.2.0)' },
    ]);
    expect(versionChanges([{ version: '1', firstSeen: 1, lastSeen: 2 }])).toEqual([]);
    expect(versionChanges([])).toEqual([]);
  });
});

describe('configDiff and describeConfigChanges', () => {
  it('lists the dotted keys whose values differ, added and removed keys included; arrays compare whole', () => {
    const before = { service: { version: '1.4.2' }, pool: { size: 10, acquireTimeoutMs: 2400 }, startup: { requires: ['db'] }, gone: true };
    const after = { service: { version: '1.4.2' }, pool: { size: 50, acquireTimeoutMs: 2400, maxWaiters: 200 }, startup: { requires: ['db', 'cache'] } };
    const changes = configDiff(before, after);
    expect(changes).toEqual([
      { path: 'gone', before: true, after: undefined },
      { path: 'pool.maxWaiters', before: undefined, after: 200 },
      { path: 'pool.size', before: 10, after: 50 },
      { path: 'startup.requires', before: ['db'], after: ['db', 'cache'] },
    ]);
    expect(describeConfigChanges(changes)).toBe('gone: true -> (unset); pool.maxWaiters: (unset) -> 200; pool.size: 10 -> 50; startup.requires: ["db"] -> ["db","cache"]');
  });

  it('an equal document has no changes; a value replacing an object is one change at that key; a root value is "(root)"', () => {
    expect(configDiff({ a: { b: 1 } }, { a: { b: 1 } })).toEqual([]);
    expect(configDiff({ a: { b: 1 } }, { a: 5 })).toEqual([{ path: 'a', before: { b: 1 }, after: 5 }]);
    expect(configDiff('x', 'y')).toEqual([{ path: '(root)', before: 'x', after: 'y' }]);
    expect(configDiff([1], [1])).toEqual([]);
    expect(describeConfigChanges([])).toBe('');
  });
});

describe('buildChangeReport', () => {
  it('keeps the changes in [symptom - lookback, now], the release running now and a baseline just before the symptom', () => {
    const r = report([
      rollout('r1', 'A', undefined, -7200),
      rollout('r2', 'B', ['r1', 'A'], -5000), // before the lookback window (60 min before the symptom = T0)
      rollout('r3', 'C', ['r2', 'B'], 3000),
      rollout('r4', 'D', ['r3', 'C'], 4500), // after `now`
    ], 4000, { current: { releaseId: 'r3', revision: REV.C, state: 'running' } });
    expect(r.changes.map((c) => c.release.releaseId)).toEqual(['r3']);
    expect(r).toMatchObject({ from: at(0), to: at(4000), symptomStart: at(SYMPTOM), current: { releaseId: 'r3', state: 'running' }, baselineAt: unix(SYMPTOM) - 5, baselineWindow: '60s', sources: { deploy: 'ok' } });
    expect(r.suspect).toBeUndefined();
    expect(r.knownGood).toBeUndefined(); // measured by findKnownGood, not assumed
  });

  it('a change may take effect inside the window though it began before it', () => {
    const r = report([rollout('r2', 'B', ['r1', 'A'], -30, { finishedAt: at(5) })], SYMPTOM, { options: { lookbackMinutes: 60 } });
    expect(r.changes).toHaveLength(1);
  });

  it('deploy history wins over the version metric; versions fill in only when there is no history', () => {
    const versions = [{ version: '1', revision: REV.A, firstSeen: unix(0), lastSeen: unix(3000) }, { version: '2', revision: REV.B, firstSeen: unix(3000), lastSeen: unix(4000) }];
    expect(report([rollout('r1', 'A', undefined, 0)], 4000, { versions }).changes).toEqual([]); // history known: one deploy, no change
    expect(report([], 4000, { versions }).changes.map((c) => c.kind)).toEqual(['version']);
    expect(buildChangeReport({ symptomStart: at(SYMPTOM), now: T0 + 4000_000, versions, sources: {} }).changes).toHaveLength(1);
  });

  it('says so when nothing changed', () => {
    expect(report([rollout('r1', 'A', undefined, 0)], SYMPTOM + 300, { options: { lookbackMinutes: 30 } }).summary)
      .toBe('No change to the service in the 35 min before and since the symptom began; nothing to roll back to.');
  });

  it('a service whose metrics begin inside the window: says how far back they go', () => {
    const r = report([rollout('r1', 'A', undefined, 0)], SYMPTOM + 300, { options: { lookbackMinutes: 30 } });
    const since = Date.parse(r.symptomStart) / 1000 - 30;
    expect(summarize({ ...r, dataSince: since }))
      .toBe(`No change to the service since its metrics begin (${new Date(since * 1000).toISOString()}, 30 s before the symptom); nothing to roll back to.`);
    // Metrics older than the window change nothing.
    expect(summarize({ ...r, dataSince: Date.parse(r.from) / 1000 - 60 })).toBe(r.summary);
  });
});

describe('findKnownGood', () => {
  it('a bad release shortly before the symptom: the release before it is known-good, the deploy is the suspect, the baseline is that release at work', async () => {
    const r = report([rollout('r1', 'A', undefined, 0), rollout('r2', 'B', ['r1', 'A'], SYMPTOM - 300)]);
    const healthy = health([[SYMPTOM - 290, 99_999]]);
    const out = await findKnownGood(r, healthy, O);
    expect(out.knownGood).toEqual({ releaseId: 'r1', revision: REV.A, version: '1.1.0' });
    expect(out.suspect).toMatchObject({ change: { release: { releaseId: 'r2' } }, leadSeconds: 290 });
    expect(out.suspect!.reason).toBe('deploy of r2 (bbbbbbb, v1.2.0) replacing r1 (aaaaaaa, v1.1.0): succeeded, 290 s before the symptom began, replacing the last known-good release: a bad release is the first hypothesis to confirm or rule out');
    // Health is measured at the end of each release's life: r2 just before the symptom, r1 just before r2 began.
    expect(healthy.asked).toEqual([unix(SYMPTOM) - 1, unix(SYMPTOM - 300) - 1]);
    expect(out.baselineAt).toBe(unix(SYMPTOM - 300) - 1);
    expect(out.baselineWindow).toBe('300s'); // r1 lived 3290 s: capped at 5 min
    expect(out.summary).toContain('Suspect: deploy of r2');
    expect(out.summary).toContain('Last known-good release: r1 (aaaaaaa, v1.1.0).');
    expect(r.knownGood).toBeUndefined(); // the input report is not changed
  });

  it('the baseline window is the known-good release\'s own life (minus 2 s), at least 5 s', async () => {
    const r = report([rollout('r1', 'A', undefined, 0), rollout('r2', 'B', ['r1', 'A'], 3000), rollout('r3', 'C', ['r2', 'B'], 3100)]);
    const out = await findKnownGood(r, health([[3100, 99_999]]), { minLiveSeconds: 60, suspectWindowMinutes: 30 });
    expect(out.knownGood?.releaseId).toBe('r2');
    expect(out.baselineWindow).toBe('88s'); // r2 live from 3010 to 3100
    const short = await findKnownGood(r, health([[3100, 99_999]]), { minLiveSeconds: 0, suspectWindowMinutes: 30 });
    expect(short.baselineWindow).toBe('88s');
    const tiny = report([rollout('r1', 'A', undefined, 0), rollout('r2', 'B', ['r1', 'A'], 3000), rollout('r3', 'C', ['r2', 'B'], 3014)]);
    expect((await findKnownGood(tiny, health([[3014, 99_999]]), { minLiveSeconds: 0, suspectWindowMinutes: 30 })).baselineWindow).toBe('5s');
  });

  it('walks back past releases that were already failing, and past ones that did not live long enough to be known-good', async () => {
    const r = report([
      rollout('r1', 'A', undefined, 0),
      rollout('r2', 'B', ['r1', 'A'], 1800), // unhealthy all along
      rollout('r3', 'C', ['r2', 'B'], SYMPTOM - 60), // only 50 s live before the symptom: too young to judge
    ]);
    const healthy = health([[1810, 3540]]);
    const out = await findKnownGood(r, healthy, O);
    expect(out.knownGood?.releaseId).toBe('r1');
    expect(out.suspect?.change.release.releaseId).toBe('r2');
    expect(out.suspect?.leadSeconds).toBe(SYMPTOM - 1810);
    expect(healthy.asked).toEqual([unix(SYMPTOM - 60) - 1, unix(1800) - 1]); // r3 is not even measured
  });

  it('a failed hotfix on top of a bad release: rollback goes to the release before the bad one, never to the bad one or the hotfix', async () => {
    const r = report([
      rollout('r1', 'A', undefined, 0),
      rollout('r2', 'B', ['r1', 'A'], SYMPTOM - 600),
      rollout('r3', 'C', ['r2', 'B'], SYMPTOM + 120, { outcome: 'failed', triggeredBy: 'tool' }), // the fix-forward crash-loops
    ], SYMPTOM + 300, { current: { releaseId: 'r3', revision: REV.C, state: 'crash-looping' } });
    const out = await findKnownGood(r, health([[SYMPTOM - 590, 99_999]]), O);
    expect(out.knownGood?.releaseId).toBe('r1');
    expect(out.suspect?.change.release.releaseId).toBe('r2');
    expect(out.current).toEqual({ releaseId: 'r3', revision: REV.C, state: 'crash-looping' });
  });

  it('a release deployed during the incident is never known-good, even when it measures healthy', async () => {
    const r = report([rollout('r1', 'A', undefined, 0), rollout('r2', 'B', ['r1', 'A'], SYMPTOM - 600), rollout('r3', 'C', ['r2', 'B'], SYMPTOM + 60)]);
    const healthy = health([[SYMPTOM - 590, SYMPTOM + 70]]); // r3 fixed it: healthy after
    const out = await findKnownGood(r, healthy, O);
    expect(out.knownGood?.releaseId).toBe('r1');
    expect(healthy.asked).not.toContain(unix(SYMPTOM + 600) - 1);
  });

  it('no release measured healthy: no known-good release and no suspect — nothing to roll back to', async () => {
    const r = report([rollout('r1', 'A', undefined, 0), rollout('r2', 'B', ['r1', 'A'], SYMPTOM - 600)]);
    const healthy = health([[-99_999, 99_999]]);
    const out = await findKnownGood(r, healthy, O);
    expect(out.knownGood).toBeUndefined();
    expect(out.suspect).toBeUndefined();
    expect(out.baselineAt).toBe(unix(SYMPTOM) - 5);
    expect(out.summary).toContain('No suspect change. No release was measured healthy before the symptom: nothing to roll back to.');
    expect(healthy.asked).toHaveLength(2);
  });

  it('a change after the symptom began is a suspect (it may have made things worse), named as such; "before" is just before it', async () => {
    const r = report([rollout('r1', 'A', undefined, 0), rollout('r2', 'B', ['r1', 'A'], SYMPTOM + 110)]);
    const out = await findKnownGood(r, health([[SYMPTOM, 99_999]]), O);
    expect(out.knownGood?.releaseId).toBe('r1');
    expect(out.suspect?.leadSeconds).toBe(-120);
    expect(out.suspect?.reason).toContain('120 s after the symptom began');
    expect(out.baselineAt).toBe(unix(SYMPTOM + 110) - 1);
  });

  it('a traffic surge after an innocent old deploy: the deployed release measured healthy is known-good, and nothing is suspect', async () => {
    const r = report([rollout('r1', 'A', undefined, 0), rollout('r2', 'B', ['r1', 'A'], SYMPTOM - 1200)]);
    const healthy = health([[SYMPTOM, 99_999]]);
    const out = await findKnownGood(r, healthy, O);
    expect(out.knownGood?.releaseId).toBe('r2');
    expect(out.suspect).toBeUndefined();
    expect(out.baselineAt).toBe(unix(SYMPTOM) - 5);
    expect(out.summary).toContain('No suspect change. Last known-good release: r2');
    expect(healthy.asked).toEqual([unix(SYMPTOM) - 1]);
  });

  it('a change older than the suspicion window is not suspect, though the release before it is the known-good one', async () => {
    const r = report([rollout('r1', 'A', undefined, 0), rollout('r2', 'B', ['r1', 'A'], SYMPTOM - 45 * 60)]);
    const out = await findKnownGood(r, health([[SYMPTOM - 45 * 60, 99_999]]), O);
    expect(out.knownGood?.releaseId).toBe('r1');
    expect(out.suspect).toBeUndefined();
    expect((await findKnownGood(r, health([[SYMPTOM - 45 * 60, 99_999]]), { ...O, suspectWindowMinutes: 60 })).suspect?.change.release.releaseId).toBe('r2');
  });

  it('a release restarted shortly before a bad deploy is still known-good (its life counts from its first rollout)', async () => {
    const r = report([
      rollout('r1', 'A', undefined, 0),
      rollout('r2', 'A', ['r1', 'A'], SYMPTOM - 360), // a restart, 1 min before the bad deploy
      rollout('r3', 'B', ['r2', 'A'], SYMPTOM - 300),
    ]);
    const out = await findKnownGood(r, health([[SYMPTOM - 290, 99_999]]), O);
    expect(out.knownGood).toMatchObject({ releaseId: 'r2', revision: REV.A });
    expect(out.suspect?.change.release.releaseId).toBe('r3');
  });

  it('the oldest release without a known start is judged by its health alone; no changes at all means nothing is measured', async () => {
    const r = report([rollout('r2', 'B', ['r1', 'A'], SYMPTOM - 300)]);
    expect(r.changes[0]!.previousSince).toBeUndefined();
    expect((await findKnownGood(r, health([[SYMPTOM - 290, 99_999]]), O)).knownGood?.releaseId).toBe('r1');
    const none = health([]);
    const quiet = await findKnownGood(report([rollout('r1', 'A', undefined, 0)]), none, O);
    expect(quiet.knownGood).toBeUndefined();
    expect(none.asked).toEqual([]);
  });
});

describe('sameRelease and describeRelease', () => {
  it('compares by revision when both have one (two ids of one revision are the same code), else by id', () => {
    expect(sameRelease({ releaseId: 'r1', revision: REV.A }, { releaseId: 'r1' })).toBe(true);
    expect(sameRelease({ releaseId: 'r1', revision: REV.A }, { releaseId: 'r2', revision: REV.A })).toBe(true);
    expect(sameRelease({ releaseId: 'r1', revision: REV.A }, { releaseId: 'r1', revision: REV.B })).toBe(false);
    expect(sameRelease({ revision: REV.A }, { revision: 'aaaaaaa' })).toBe(true);
    expect(sameRelease({ revision: 'aaaaaaa' }, { releaseId: 'r9', revision: REV.A })).toBe(true);
    expect(sameRelease({ revision: REV.A }, { revision: REV.B })).toBe(false);
    expect(sameRelease({ releaseId: 'r1' }, { revision: REV.A })).toBe(false); // nothing to compare: not the same
    expect(sameRelease(undefined, { releaseId: 'r1' })).toBe(false);
    expect(sameRelease({ version: '1.0.0' }, { version: '1.0.0' })).toBe(false);
  });

  it('names a release by id (or ref, or short revision) with its revision and version', () => {
    expect(describeRelease({ releaseId: 'r3', revision: REV.C, version: '1.5.0' })).toBe('r3 (ccccccc, v1.5.0)');
    expect(describeRelease({ ref: 'main', revision: REV.C })).toBe('main (ccccccc)');
    expect(describeRelease({ revision: REV.C })).toBe('ccccccc (ccccccc)');
    expect(describeRelease({ version: '2' })).toBe('? (v2)');
    expect(describeRelease({})).toBe('?');
    expect(describeRelease(undefined)).toBe('unknown release');
  });
});
