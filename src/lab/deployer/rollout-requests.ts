import type { RolloutHistory } from './history.js';
import type { DeployKeys, KeyedAction } from './idempotency.js';
import { exportRelease } from './releases.js';
import type { DeployerControl, Release, Rollout, RolloutTrigger } from './types.js';

/** Runs one rollout to `obtain()`'s release, in the deployer's queue (obtain is called inside it). */
export type RunRollout = (kind: Rollout['kind'], ref: string, obtain: () => Promise<Release>, trigger: RolloutTrigger, reason: string | undefined) => Promise<Rollout>;

export interface RolloutRequestsOptions {
  readonly repoDir: string;
  readonly releasesDir: string;
  readonly history: RolloutHistory;
  /** The release running now, read when a rollback's target is chosen. */
  readonly current: () => Release | undefined;
  readonly rollout: RunRollout;
  /** De-duplicates keyed calls; shared with the deployer's maintenance switch. */
  readonly keys: DeployKeys;
}

/**
 * Runs `act` once per idempotency key (see `DeployKeys`); a repeat answers with the recorded value marked
 * `replayed: true`. Without a key it just runs.
 */
export async function keyed<T extends object>(keys: DeployKeys, action: KeyedAction, key: string | undefined, args: Record<string, string | boolean | null>, act: () => Promise<T>): Promise<T> {
  const { value, replayed } = await keys.once(action, key, args, act);
  return replayed ? { ...value, replayed: true } : value;
}

/**
 * The `deploy` and `rollback` of a deployer, given how it rolls a release out: a deploy exports `ref` into a
 * new release dir; a rollback redeploys the previous healthy release (or the one `to` names). Shared by every
 * deployer so both resolve refs, number releases and pick rollback targets the same way.
 * Gotcha: `obtain` runs inside `rollout`'s queue, so a rollback's target is chosen after any rollout in flight.
 * With an idempotency key, a deploy is identified by its ref and a rollback by its `to` (null: the previous
 * healthy release), so the repeat of a keyed rollback returns the first rollback rather than going back further.
 */
export function rolloutRequests(options: RolloutRequestsOptions): Pick<DeployerControl, 'deploy' | 'rollback'> {
  const { history } = options;
  return {
    deploy(ref, o = {}) {
      const obtain = async (): Promise<Release> => {
        const release = await exportRelease({ repoDir: options.repoDir, releasesDir: options.releasesDir, ref, id: history.nextReleaseId() });
        history.addRelease(release);
        return release;
      };
      return keyed(options.keys, 'deploy', o.idempotencyKey, { ref }, () => options.rollout('deploy', ref, obtain, o.trigger ?? 'tool', o.reason));
    },
    rollback(o = {}) {
      const run = (): Promise<Rollout> => options.rollout('rollback', o.to ?? 'previous', async () => history.rollbackTarget(options.current(), o.to), o.trigger ?? 'tool', o.reason);
      return keyed(options.keys, 'rollback', o.idempotencyKey, { to: o.to ?? null }, run);
    },
  };
}
