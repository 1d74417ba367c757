import type { RolloutHistory } from './history.js';
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
}

/**
 * The `deploy` and `rollback` of a deployer, given how it rolls a release out: a deploy exports `ref` into a
 * new release dir; a rollback redeploys the previous healthy release (or the one `to` names). Shared by every
 * deployer so both resolve refs, number releases and pick rollback targets the same way.
 * Gotcha: `obtain` runs inside `rollout`'s queue, so a rollback's target is chosen after any rollout in flight.
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
      return options.rollout('deploy', ref, obtain, o.trigger ?? 'tool', o.reason);
    },
    rollback(o = {}) {
      return options.rollout('rollback', o.to ?? 'previous', async () => history.rollbackTarget(options.current(), o.to), o.trigger ?? 'tool', o.reason);
    },
  };
}
