import { RollbackTargetError } from './errors.js';
import type { Release, Rollout, RolloutTrigger } from './types.js';

/**
 * The record of every release and rollout of one deployer, and the rollback rules over it. Shared by the
 * built-in and the command deployer so both answer "what is the previous healthy release?" the same way.
 */
export class RolloutHistory {
  readonly #rollouts: Rollout[] = [];
  readonly #releases: Release[] = [];

  /** Remembers an exported release (for rollbacks by id or revision). */
  addRelease(release: Release): void {
    this.#releases.push(release);
  }

  nextReleaseId(): string {
    return `r${this.#releases.length + 1}`;
  }

  /** Opens a rollout record in state `in-progress`; finish it with `finish()`. */
  start(o: { kind: Rollout['kind']; trigger: RolloutTrigger; ref: string; release: Release; previous: Release | undefined; reason: string | undefined }): Rollout {
    const rollout: Rollout = {
      id: this.#rollouts.length + 1,
      kind: o.kind,
      trigger: o.trigger,
      ref: o.ref,
      revision: o.release.revision,
      releaseId: o.release.id,
      version: o.release.version,
      previousReleaseId: o.previous?.id,
      previousRevision: o.previous?.revision,
      previousVersion: o.previous?.version,
      reason: o.reason,
      startedAt: new Date().toISOString(),
      finishedAt: undefined,
      durationMs: undefined,
      outcome: 'in-progress',
      error: undefined,
      stderrTail: undefined,
      logTail: undefined,
    };
    this.#rollouts.push(rollout);
    return rollout;
  }

  finish(rollout: Rollout, result: { ok: true } | { ok: false; error: string; stderrTail?: string; logTail?: string }): Rollout {
    const now = new Date();
    rollout.finishedAt = now.toISOString();
    rollout.durationMs = now.getTime() - Date.parse(rollout.startedAt);
    rollout.outcome = result.ok ? 'succeeded' : 'failed';
    if (!result.ok) {
      rollout.error = result.error;
      rollout.stderrTail = result.stderrTail;
      rollout.logTail = result.logTail;
    }
    return rollout;
  }

  /** Oldest first, copies (the live records keep changing while a rollout runs). */
  list(): Rollout[] {
    return this.#rollouts.map((r) => ({ ...r }));
  }

  releases(): Release[] {
    return this.#releases.slice();
  }

  /**
   * The release a rollback goes to. Without `to`: the newest release, other than `current`, whose last
   * rollout succeeded. With `to`: a release id (r2) or a revision prefix of at least 7 characters.
   * Throws `RollbackTargetError` when there is none, listing what exists.
   */
  rollbackTarget(current: Release | undefined, to: string | undefined): Release {
    if (to !== undefined) {
      const wanted = to.trim().toLowerCase();
      const byId = this.#releases.find((r) => r.id === wanted);
      const byRevision = wanted.length >= 7 ? this.#releases.filter((r) => r.revision.startsWith(wanted)) : [];
      const found = byId ?? byRevision.at(-1);
      if (!found) throw new RollbackTargetError(`no release matches '${to}' (known: ${this.#describeReleases()}); give a release id or a revision prefix of 7+ characters`);
      return found;
    }
    for (let i = this.#rollouts.length - 1; i >= 0; i--) {
      const r = this.#rollouts[i];
      if (!r || r.outcome !== 'succeeded' || r.releaseId === current?.id) continue;
      const release = this.#releases.find((x) => x.id === r.releaseId);
      if (release && release.revision !== current?.revision) return release;
    }
    throw new RollbackTargetError(`no previous healthy release to roll back to (releases: ${this.#describeReleases()})`);
  }

  #describeReleases(): string {
    return this.#releases.map((r) => `${r.id}=${r.revision.slice(0, 7)}${r.version ? ` v${r.version}` : ''}`).join(', ') || 'none';
  }
}
