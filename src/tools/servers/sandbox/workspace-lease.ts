import { chmodSync, closeSync, constants, fchmodSync, fstatSync, lchownSync, lstatSync, openSync, type Stats } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Logger } from 'pino';
import type { Ids } from './privileges.js';
import { walkTree, type WalkResult } from './walk.js';

/** Walks stop here (logged): a checkout with node_modules is ~10^4-10^5 entries, so this only bounds a runaway tree. */
export const MAX_WALK_ENTRIES = 2_000_000;

const SET_ID_BITS = 0o6000;

/**
 * Hands the workspace to the sandbox uid while runs are in progress, takes it back when the last one ends,
 * and removes setuid/setgid bits a run left behind. Used by bwrap runs, and by process runs when firebreak is
 * root (they drop to the sandbox uid too).
 *
 * Lending: when runs execute as another uid than the workspace's owner (firebreak is root, runs drop to
 * `sandboxUid`), every directory and single-link regular file the owner owns is chowned to the run uid
 * (group kept), so the run can write the checkout and git inside the run accepts it as its own. Afterwards
 * every entry owned by the run uid goes back to the owner (the run's group becomes the owner's group), so
 * firebreak, its git and the operator see the checkout as before: no "dubious ownership", nothing to clean
 * up. Files with several hard links are never lent: a link may share its inode with a file outside the
 * workspace (a `git clone` of a local repository hard-links the objects), and the run must not own that.
 *
 * setuid/setgid (defence in depth, after every run, whether or not it lent): the run's mounts are nosuid
 * and the run cannot create files owned by any uid but its own (never root, see privileges.ts), yet a
 * setuid-`sandboxUid` (or, when firebreak is not root, setuid-firebreak-user) binary left in the checkout
 * would let any local user who can reach it become that uid. So no regular file in the workspace keeps
 * those bits after a run; checkouts never need them (git records only 644 and 755).
 *
 * Overlapping runs share one lease: the workspace is returned and checked when the last of them ends,
 * so during overlap a file may carry the bits until then. The walks run only when no run is alive (the
 * caller releases after the run's processes are gone), which is what makes path-based chown safe.
 */
export class WorkspaceLease {
  private active = 0;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly lendTo: Ids | undefined;

  private constructor(
    private readonly root: string,
    private readonly owner: Ids,
    runAs: Ids | undefined,
    private readonly logger: Logger,
  ) {
    this.lendTo = runAs && runAs.uid !== owner.uid ? runAs : undefined;
  }

  /** `runAs`: the ids runs execute as when they differ from firebreak's (undefined: no lending). */
  static async create(root: string, runAs: Ids | undefined, logger: Logger): Promise<WorkspaceLease> {
    const st = await stat(root);
    return new WorkspaceLease(root, { uid: st.uid, gid: st.gid }, runAs, logger);
  }

  /** Call before a run starts; lends the workspace if no other run holds it. Never throws. */
  acquire(): Promise<void> {
    return this.serial(async () => {
      if (this.active++ > 0 || !this.lendTo) return;
      const lendTo = this.lendTo;
      await this.walk('lend', (path, st) => {
        if (st.uid !== this.owner.uid) return;
        if (!st.isDirectory() && !(st.isFile() && st.nlink === 1)) return;
        lchownSync(path, lendTo.uid, -1);
      });
    });
  }

  /** Call after a run's processes are all gone; the last run out returns the workspace. Never throws. */
  release(): Promise<void> {
    return this.serial(async () => {
      if (--this.active > 0) return;
      const lendTo = this.lendTo;
      await this.walk('reclaim', (path, st) => {
        if (st.isFile() && (st.mode & SET_ID_BITS) !== 0) stripSetId(path, st);
        if (lendTo && st.uid === lendTo.uid) lchownSync(path, this.owner.uid, st.gid === lendTo.gid ? this.owner.gid : -1);
      });
    });
  }

  private serial(step: () => Promise<void>): Promise<void> {
    const next = this.queue.then(step);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async walk(phase: 'lend' | 'reclaim', visit: (path: string, st: Stats) => void): Promise<void> {
    const started = performance.now();
    const r: WalkResult = await walkTree(this.root, visit, MAX_WALK_ENTRIES);
    const ms = Math.round(performance.now() - started);
    const fields = { phase, workspace: this.root, entries: r.entries, errors: r.errors, ms };
    if (r.truncated) this.logger.error(fields, `workspace ${phase} stopped after ${MAX_WALK_ENTRIES} entries; the rest was not checked`);
    else if (r.errors > 0) this.logger.warn({ ...fields, firstError: r.firstError }, `workspace ${phase}: some entries could not be processed`);
    else this.logger.debug(fields, `workspace ${phase}`);
  }
}

/**
 * Clears setuid/setgid on the regular file `path` (lstat'ed as `seen`). Through a descriptor opened
 * without following symlinks, checked to be the same inode, so a swapped path can never make us chmod
 * something else; by path only when the descriptor cannot be opened (a mode without read permission).
 */
function stripSetId(path: string, seen: Stats): void {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EACCES') throw err;
    const again = lstatSync(path);
    if (again.isFile() && again.ino === seen.ino) chmodSync(path, again.mode & 0o7777 & ~SET_ID_BITS);
    return;
  }
  try {
    const now = fstatSync(fd);
    if (now.isFile() && now.ino === seen.ino && now.dev === seen.dev) fchmodSync(fd, now.mode & 0o7777 & ~SET_ID_BITS);
  } finally {
    closeSync(fd);
  }
}
