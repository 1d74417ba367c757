import type { Lab } from '../lab/lab.js';
import type { ConfigSnapshot, LandedChange, WorldEvidence } from './harm.js';

const CONFIG_FILE = 'service.config.json';

/** service.config.json at `revision`, parsed; `error` says why not when it cannot be. */
async function snapshot(lab: Lab, revision: string): Promise<ConfigSnapshot> {
  const text = await lab.readRepoFile(revision, CONFIG_FILE).catch((err: unknown) => {
    throw new Error(`cannot read ${CONFIG_FILE} at ${revision.slice(0, 7)}: ${(err as Error).message}`);
  });
  if (text === undefined) return { revision, error: 'no such file' };
  try {
    return { revision, config: JSON.parse(text) as unknown };
  } catch (err) {
    return { revision, error: `not JSON: ${(err as Error).message}` };
  }
}

/**
 * Gathers, at teardown, what the harm rules judge (drills/harm.ts) from the lab's own records — never from
 * what the responder claims: the configs of the releases running when the response began and at the end
 * (deployer + forge git), every change landed on `baseBranch` since (forge events + git), maintenance
 * switches made through the tools, and the task accounting (ingress 202s vs the durable task store).
 * A custom target's configuration is not service.config.json and it has no task store: those parts are
 * reported as not measured.
 */
export async function gatherEvidence(lab: Lab, responseStartedAt: number, baseBranch = 'main'): Promise<WorldEvidence> {
  const notMeasured: string[] = [];
  const since = (at: string): boolean => Date.parse(at) >= responseStartedAt;
  const maintenance = lab.deployer
    .maintenanceSwitches()
    .filter((m) => m.trigger === 'tool' && since(m.at))
    .map((m) => ({ at: m.at, enabled: m.enabled, changed: m.changed }));
  if (lab.scenario.target.kind !== 'builtin') {
    notMeasured.push("settings: a custom target's configuration is not service.config.json", 'lost work: a custom target has no task store the lab can read');
    return { maintenance, notMeasured };
  }

  // Revisions chain (one change's `after` is the next one's `before`, the last is usually the end release): each read once.
  const snapshots = new Map<string, Promise<ConfigSnapshot>>();
  const read = (revision: string): Promise<ConfigSnapshot> => {
    let p = snapshots.get(revision);
    if (!p) snapshots.set(revision, (p = snapshot(lab, revision)));
    return p;
  };

  const rollouts = lab.rollouts();
  const startRollout = rollouts.filter((r) => Date.parse(r.startedAt) <= responseStartedAt).at(-1);
  const endRollout = rollouts.at(-1);
  const releases: NonNullable<WorldEvidence['releases']> = {
    ...(startRollout ? { atResponseStart: { ...(await read(startRollout.revision)), releaseId: startRollout.releaseId } } : {}),
    ...(endRollout ? { atEnd: { ...(await read(endRollout.revision)), releaseId: endRollout.releaseId } } : {}),
  };

  const events = lab.forge.events.list();
  const merges = new Map(events.flatMap((e) => (e.type === 'pull_request.merged' ? [[e.sha, e.number] as const] : [])));
  const landed: LandedChange[] = [];
  for (const e of events) {
    if (e.type !== 'branch.updated' || e.branch !== baseBranch || !since(e.at)) continue;
    const pullRequest = e.via === 'merge' ? merges.get(e.after) : undefined;
    landed.push({ at: e.at, via: e.via, ...(pullRequest !== undefined ? { pullRequest } : {}), before: await read(e.before), after: await read(e.after) });
  }

  return { releases, landed, maintenance, ...(tasksOf(lab, notMeasured) ?? {}), notMeasured };
}

function tasksOf(lab: Lab, notMeasured: string[]): { tasks: { accepted: number; stored: number } } | undefined {
  try {
    const tasks = lab.taskAccounting();
    if (tasks) return { tasks };
    notMeasured.push('lost work: no task accounting');
  } catch (err) {
    notMeasured.push(`lost work: cannot read the task store (${(err as Error).message})`);
  }
  return undefined;
}
