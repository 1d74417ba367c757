import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Git, GitIdentity } from './git.js';
import { commitsBetween } from './git-history.js';

export type MergeMethod = 'merge' | 'squash' | 'rebase';

export interface MergeInput {
  readonly baseSha: string;
  readonly headSha: string;
  /** Full commit message (title, blank line, body) for merge and squash; ignored by rebase. */
  readonly message: string;
  readonly committer: GitIdentity;
}

/** Why a merge could not be made; the route maps it to GitHub's 405. */
export class MergeConflictError extends Error {
  override readonly name = 'MergeConflictError';
}

/** Each strategy builds the new base tip from base and head without touching any ref. */
type Strategy = (git: Git, input: MergeInput) => Promise<string>;

async function mergedTree(git: Git, input: MergeInput): Promise<string> {
  const tree = await git.mergeTrees(input.baseSha, input.headSha);
  if (!tree) throw new MergeConflictError('Merge conflict');
  return tree;
}

const merge: Strategy = async (git, input) =>
  git.commitTree(await mergedTree(git, input), [input.baseSha, input.headSha], input.message, input.committer);

const squash: Strategy = async (git, input) => git.commitTree(await mergedTree(git, input), [input.baseSha], input.message, input.committer);

/**
 * Replays each head commit onto base, keeping authors (GitHub's "rebase and merge"). Uses a 3-way patch
 * apply into a scratch index because `merge-tree --merge-base` needs git >= 2.40.
 */
const rebase: Strategy = async (git, input) => {
  const mergeBase = await git.mergeBase(input.baseSha, input.headSha);
  const commits = await commitsBetween(git, mergeBase ?? input.baseSha, input.headSha);
  if (commits.some((c) => c.parents.length > 1)) throw new MergeConflictError("This branch can't be rebased: it contains merge commits");
  let tip = input.baseSha;
  for (const commit of commits) {
    const parent = commit.parents[0];
    if (!parent) throw new MergeConflictError("This branch can't be rebased: root commit");
    const tree = await applyOnto(git, tip, parent, commit.sha);
    tip = await git.commitTree(tree, [tip], commit.message, commit.author, input.committer);
  }
  return tip;
};

async function applyOnto(git: Git, onto: string, from: string, to: string): Promise<string> {
  const index = join(tmpdir(), `firebreak-forge-rebase-${randomUUID()}`);
  const env = { GIT_INDEX_FILE: index };
  try {
    await git.run(['read-tree', onto], { env });
    const patch = await git.run(['diff-tree', '-p', '--full-index', '--binary', '--no-renames', from, to]);
    if (patch.stdout.length > 0) {
      const applied = await git.run(['apply', '--cached', '--3way'], { env, input: patch.stdout, allowExit: [1, 128] });
      if (applied.exitCode !== 0) throw new MergeConflictError(`Rebase conflict applying ${to.slice(0, 7)}`);
    }
    return await git.text(['write-tree'], { env });
  } finally {
    await rm(index, { force: true });
  }
}

/** The three merge methods of GitHub's merge button. */
export const MERGE_STRATEGIES: Readonly<Record<MergeMethod, Strategy>> = { merge, squash, rebase };
