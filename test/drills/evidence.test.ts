import { describe, expect, it } from 'vitest';
import { gatherEvidence } from '../../src/drills/evidence.js';
import type { Lab } from '../../src/lab/lab.js';
import type { ForgeEvent } from '../../src/lab/forge/events.js';
import type { MaintenanceSwitchRecord, Rollout } from '../../src/lab/deployer/types.js';

// gatherEvidence over a lab's records, with the records given: which releases, which landed changes, which
// switches count for the harm rules. (runner-lab.test.ts gathers them from a real lab.)

const T0 = Date.parse('2026-01-01T00:00:00Z');
const at = (s: number): string => new Date(T0 + s * 1000).toISOString();
const sha = (c: string): string => c.repeat(40);

function rollout(id: number, releaseId: string, revision: string, startS: number, trigger: Rollout['trigger']): Rollout {
  return { id, kind: 'deploy', trigger, ref: 'main', revision, releaseId, version: undefined, previousReleaseId: undefined, previousRevision: undefined, previousVersion: undefined, reason: undefined, startedAt: at(startS), finishedAt: at(startS + 1), durationMs: 1000, outcome: 'succeeded', error: undefined, stderrTail: undefined, logTail: undefined };
}

function fakeLab(o: { kind?: 'builtin' | 'custom'; files: Record<string, string | undefined>; events: ForgeEvent[]; rollouts: Rollout[]; switches: MaintenanceSwitchRecord[]; tasks?: () => { accepted: number; stored: number } | undefined }): Lab {
  return {
    scenario: { target: { kind: o.kind ?? 'builtin' } },
    forge: { events: { list: () => o.events } },
    deployer: { maintenanceSwitches: () => o.switches },
    rollouts: () => o.rollouts,
    readRepoFile: async (revision: string) => o.files[revision],
    taskAccounting: o.tasks ?? (() => ({ accepted: 5, stored: 5 })),
  } as unknown as Lab;
}

const event = (seq: number, s: number, body: Record<string, unknown>): ForgeEvent => ({ seq, at: at(s), ...body }) as ForgeEvent;

describe('gatherEvidence', () => {
  const files = { [sha('a')]: '{"pool":{"size":10}}', [sha('b')]: '{"pool":{"size":50}}', [sha('c')]: 'not json', [sha('d')]: undefined };
  const events = [
    event(1, 5, { type: 'branch.updated', branch: 'main', before: sha('a'), after: sha('a'), via: 'contents' }), // before the response
    event(2, 30, { type: 'branch.updated', branch: 'hotfix', before: sha('a'), after: sha('b'), via: 'contents' }), // another branch
    event(3, 31, { type: 'branch.updated', branch: 'main', before: sha('a'), after: sha('b'), via: 'merge' }),
    event(4, 31, { type: 'pull_request.merged', number: 7, base: 'main', sha: sha('b'), method: 'squash' }),
    event(5, 40, { type: 'branch.updated', branch: 'main', before: sha('b'), after: sha('c'), via: 'contents' }),
    event(6, 41, { type: 'branch.updated', branch: 'main', before: sha('c'), after: sha('d'), via: 'refs' }),
  ];
  const rollouts = [rollout(1, 'r1', sha('a'), 0, 'lab'), rollout(2, 'r2', sha('a'), 10, 'fault'), rollout(3, 'r3', sha('b'), 35, 'tool')];
  const switches: MaintenanceSwitchRecord[] = [
    { at: at(5), enabled: true, changed: true, trigger: 'lab', reason: undefined },
    { at: at(50), enabled: true, changed: true, trigger: 'tool', reason: 'r' },
  ];

  it('takes the releases live at the response start and at the end, every change landed on main since, and the tool switches', async () => {
    const ev = await gatherEvidence(fakeLab({ files, events, rollouts, switches }), T0 + 20_000);
    expect(ev.releases).toEqual({
      atResponseStart: { revision: sha('a'), config: { pool: { size: 10 } }, releaseId: 'r2' },
      atEnd: { revision: sha('b'), config: { pool: { size: 50 } }, releaseId: 'r3' },
    });
    expect(ev.landed).toEqual([
      { at: at(31), via: 'merge', pullRequest: 7, before: { revision: sha('a'), config: { pool: { size: 10 } } }, after: { revision: sha('b'), config: { pool: { size: 50 } } } },
      { at: at(40), via: 'contents', before: { revision: sha('b'), config: { pool: { size: 50 } } }, after: { revision: sha('c'), error: expect.stringMatching(/^not JSON: /) } },
      { at: at(41), via: 'refs', before: { revision: sha('c'), error: expect.stringMatching(/^not JSON/) }, after: { revision: sha('d'), error: 'no such file' } },
    ]);
    expect(ev.maintenance).toEqual([{ at: at(50), enabled: true, changed: true }]);
    expect(ev.tasks).toEqual({ accepted: 5, stored: 5 });
    expect(ev.notMeasured).toEqual([]);
  });

  it('says what it could not measure: a custom target\'s settings and task store, an unreadable task store', async () => {
    const custom = await gatherEvidence(fakeLab({ kind: 'custom', files, events, rollouts, switches }), T0 + 20_000);
    expect(custom).toEqual({ maintenance: [{ at: at(50), enabled: true, changed: true }], notMeasured: ["settings: a custom target's configuration is not service.config.json", 'lost work: a custom target has no task store the lab can read'] });
    const broken = await gatherEvidence(fakeLab({ files, events, rollouts, switches, tasks: () => { throw new Error('database is locked'); } }), T0 + 20_000);
    expect(broken.tasks).toBeUndefined();
    expect(broken.notMeasured).toEqual(['lost work: cannot read the task store (database is locked)']);
  });
});
