import type { Git } from './git.js';

/** One commit as git records it; the HTTP layer turns it into GitHub's JSON. */
export interface CommitInfo {
  readonly sha: string;
  readonly tree: string;
  readonly parents: readonly string[];
  readonly author: { readonly name: string; readonly email: string; readonly date: string };
  readonly committer: { readonly name: string; readonly email: string; readonly date: string };
  readonly message: string;
}

export interface LogFilter {
  /** Commit to walk back from (already resolved). */
  readonly from: string;
  /** Matched as a fixed string against "name <email>". */
  readonly author?: string;
  readonly since?: string;
  readonly until?: string;
  readonly path?: string;
}

// ASCII record/unit separators: they do not occur in commit messages in practice, unlike NUL-free text.
const RS = '\x1e';
const US = '\x1f';
const FORMAT = `${RS}%H${US}%T${US}%P${US}%an${US}%ae${US}%aI${US}%cn${US}%ce${US}%cI${US}%B`;

function parseCommits(raw: string): CommitInfo[] {
  return raw
    .split(RS)
    .filter((record) => record.trim() !== '')
    .map((record) => {
      const [sha = '', tree = '', parents = '', an = '', ae = '', ad = '', cn = '', ce = '', cd = '', ...rest] = record.split(US);
      return {
        sha,
        tree,
        parents: parents.split(' ').filter(Boolean),
        author: { name: an, email: ae, date: toUtc(ad) },
        committer: { name: cn, email: ce, date: toUtc(cd) },
        message: rest.join(US).replace(/\n+$/, ''),
      };
    });
}

// GitHub reports commit dates in UTC with a Z suffix.
function toUtc(isoWithOffset: string): string {
  const time = Date.parse(isoWithOffset);
  return Number.isNaN(time) ? isoWithOffset : new Date(time).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function filterArgs(filter: LogFilter): string[] {
  const args: string[] = [];
  if (filter.author) args.push('--fixed-strings', `--author=${filter.author}`);
  if (filter.since) args.push(`--since=${filter.since}`);
  if (filter.until) args.push(`--until=${filter.until}`);
  args.push(filter.from, '--');
  if (filter.path) args.push(filter.path);
  return args;
}

/** Reads one commit. */
export async function readCommit(git: Git, sha: string): Promise<CommitInfo> {
  const raw = await git.run(['log', '-1', `--format=${FORMAT}`, sha, '--']);
  const [commit] = parseCommits(raw.stdout.toString('utf8'));
  if (!commit) throw new Error(`commit ${sha} not found`);
  return commit;
}

/** A page of history, newest first, like GitHub's list-commits. */
export async function logCommits(git: Git, filter: LogFilter, skip: number, limit: number): Promise<CommitInfo[]> {
  const raw = await git.run(['log', `--format=${FORMAT}`, `--skip=${skip}`, `--max-count=${limit}`, ...filterArgs(filter)]);
  return parseCommits(raw.stdout.toString('utf8'));
}

/** How many commits `logCommits` would page through (for the Link rel="last" header). */
export async function countCommits(git: Git, filter: LogFilter): Promise<number> {
  return Number(await git.text(['rev-list', '--count', ...filterArgs(filter)]));
}

/** Commits reachable from `head` but not from `base`, oldest first (a pull request's commits). */
export async function commitsBetween(git: Git, base: string, head: string): Promise<CommitInfo[]> {
  const raw = await git.run(['log', '--reverse', `--format=${FORMAT}`, `${base}..${head}`, '--']);
  return parseCommits(raw.stdout.toString('utf8'));
}

export interface TreeEntry {
  readonly mode: string;
  readonly type: 'blob' | 'tree' | 'commit';
  readonly sha: string;
  /** Bytes, for blobs; undefined for trees and submodules. */
  readonly size: number | undefined;
  /** Full path from the repository root. */
  readonly path: string;
}

/**
 * Lists a tree: the entry named `path` (file or directory) when `self` is true, else the children of the
 * directory at `path` ('' for the root).
 */
export async function listTree(git: Git, commit: string, path: string, self: boolean): Promise<TreeEntry[]> {
  const args = self ? ['ls-tree', '-z', '--long', '--full-tree', commit, '--', path] : ['ls-tree', '-z', '--long', '--full-tree', path ? `${commit}:${path}` : commit];
  const raw = await git.run(args, { allowExit: [128] });
  if (raw.exitCode !== 0) return [];
  return raw.stdout
    .toString('utf8')
    .split('\0')
    .filter(Boolean)
    .map((line) => {
      const tab = line.indexOf('\t');
      const [mode = '', type = '', sha = '', size = '-'] = line.slice(0, tab).split(/\s+/);
      const name = line.slice(tab + 1);
      return {
        mode,
        type: type as TreeEntry['type'],
        sha,
        size: size === '-' ? undefined : Number(size),
        path: self || !path ? name : `${path}/${name}`,
      };
    });
}
