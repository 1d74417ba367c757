import { lstatSync, readdirSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { setImmediate as yieldToLoop } from 'node:timers/promises';

export interface WalkResult {
  /** Entries visited, the root included. */
  entries: number;
  /** The walk stopped at `maxEntries`; entries beyond were not visited. */
  truncated: boolean;
  /** Entries or directories that could not be read or visited (vanished, permission); see firstError. */
  errors: number;
  firstError?: string;
}

/** Entries handled between two yields to the event loop: a few ms of blocking at most. */
const YIELD_EVERY = 500;

/**
 * Visits `root` and everything below it with its lstat, depth first. Never follows symlinks, and does not
 * descend into other filesystems (a mount point is visited but not entered). Stops after `maxEntries`.
 * Never throws: a failing lstat, readdir or `visit` is counted in `errors` and the walk goes on.
 *
 * The file system calls are synchronous (promise-per-entry costs ~4x the time on a 50,000-entry
 * node_modules) with a yield to the event loop every few hundred entries, so other calls keep flowing.
 *
 * Gotcha: paths are resolved from `root` each time, so the tree must not be changed by anyone else while
 * the walk runs (a directory swapped for a symlink would be followed by `visit`'s path-based calls).
 */
export async function walkTree(root: string, visit: (path: string, st: Stats) => void, maxEntries: number): Promise<WalkResult> {
  const result: WalkResult = { entries: 0, truncated: false, errors: 0 };
  const fail = (err: unknown): void => {
    result.errors++;
    result.firstError ??= err instanceof Error ? err.message : String(err);
  };
  let rootDev: number | undefined;
  const stack: string[] = [];
  const one = (path: string): void => {
    let st: Stats;
    try {
      st = lstatSync(path);
    } catch (err) {
      fail(err);
      return;
    }
    rootDev ??= st.dev;
    result.entries++;
    try {
      visit(path, st);
    } catch (err) {
      fail(err);
    }
    if (st.isDirectory() && st.dev === rootDev) stack.push(path);
  };
  one(root);
  let sinceYield = 0;
  while (stack.length > 0) {
    const dir = stack.pop()!;
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch (err) {
      fail(err);
      continue;
    }
    for (const name of names) {
      if (result.entries >= maxEntries) {
        result.truncated = true;
        return result;
      }
      one(join(dir, name));
      if (++sinceYield >= YIELD_EVERY) {
        sinceYield = 0;
        await yieldToLoop();
      }
    }
  }
  return result;
}
