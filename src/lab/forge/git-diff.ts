import type { Git } from './git.js';

/** One changed file, as GitHub's pull-request files and commit `files` report it. */
export interface FileChange {
  readonly filename: string;
  readonly status: 'added' | 'removed' | 'modified' | 'changed';
  readonly sha: string;
  readonly additions: number;
  readonly deletions: number;
  readonly changes: number;
  /** The hunks only (from the first `@@`), like GitHub; absent for binary files. */
  readonly patch?: string;
}

const STATUS: Record<string, FileChange['status']> = { A: 'added', D: 'removed', M: 'modified', T: 'changed' };

/**
 * Files changed from `from` to `to` (commits or trees). Renames are reported as remove + add, which is
 * what GitHub does too when similarity detection is off.
 */
export async function diffFiles(git: Git, from: string, to: string): Promise<FileChange[]> {
  const [raw, numstat, patch] = await Promise.all([
    git.run(['diff-tree', '-r', '-z', '--no-renames', from, to]),
    git.run(['diff-tree', '-r', '-z', '--no-renames', '--numstat', from, to]),
    git.run(['diff-tree', '-r', '-p', '--no-renames', '--no-color', '--no-ext-diff', from, to]),
  ]);
  const counts = parseNumstat(numstat.stdout.toString('utf8'));
  const patches = splitPatches(patch.stdout.toString('utf8'));
  const fields = raw.stdout.toString('utf8').split('\0').filter((f) => f !== '');
  const changes: FileChange[] = [];
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const meta = fields[i] ?? '';
    const filename = fields[i + 1] ?? '';
    const [, , oldSha = '', newSha = '', letter = 'M'] = meta.replace(/^:/, '').split(' ');
    const count = counts.get(filename);
    const hunk = patches[changes.length];
    const status = STATUS[letter.charAt(0)] ?? 'modified';
    const additions = count?.additions ?? 0;
    const deletions = count?.deletions ?? 0;
    const change: FileChange = {
      filename,
      status,
      sha: status === 'removed' ? oldSha : newSha,
      additions,
      deletions,
      changes: additions + deletions,
    };
    changes.push(hunk && count?.binary !== true ? { ...change, patch: hunk } : change);
  }
  return changes;
}

/** The full unified diff (with headers), as served for `Accept: application/vnd.github.diff`. */
export async function unifiedDiff(git: Git, from: string, to: string): Promise<string> {
  const result = await git.run(['diff', '--no-renames', '--no-color', '--no-ext-diff', from, to, '--']);
  return result.stdout.toString('utf8');
}

function parseNumstat(text: string): Map<string, { additions: number; deletions: number; binary: boolean }> {
  const counts = new Map<string, { additions: number; deletions: number; binary: boolean }>();
  for (const record of text.split('\0')) {
    const match = /^(\d+|-)\t(\d+|-)\t(.*)$/s.exec(record);
    if (!match) continue;
    const [, add = '-', del = '-', path = ''] = match;
    counts.set(path, { additions: add === '-' ? 0 : Number(add), deletions: del === '-' ? 0 : Number(del), binary: add === '-' });
  }
  return counts;
}

// `diff-tree -p` emits one `diff --git` section per file in the same order as the raw listing.
function splitPatches(text: string): string[] {
  return text
    .split(/^diff --git /m)
    .slice(1)
    .map((section) => {
      const at = section.search(/^@@/m);
      return at === -1 ? '' : section.slice(at).replace(/\n$/, '');
    });
}
