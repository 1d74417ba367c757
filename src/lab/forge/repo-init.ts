import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { lstat, mkdir, readdir, readFile, readlink, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, resolve, sep } from 'node:path';
import { promisify } from 'node:util';
import { identityOf } from './context.js';
import { Git, type GitIdentity, type TreeChange } from './git.js';

const execFileAsync = promisify(execFile);

/** The identity the forge writes commits as when a request names none. */
export const FORGE_IDENTITY: GitIdentity = identityOf('firebreak-forge');

export interface InitRepoOptions {
  /** Where to create the repository. Must not already be a git repository. */
  readonly repoDir: string;
  /** Seed content: a directory to copy (its `.git`, if any, is ignored)... */
  readonly fromDir?: string;
  /** ...and/or explicit files (path -> UTF-8 content), applied after `fromDir`. */
  readonly files?: Readonly<Record<string, string>>;
  readonly message?: string;
  readonly author?: GitIdentity;
  /** Bare (default, like a real forge's storage) or with an unused working tree. */
  readonly bare?: boolean;
}

/**
 * Creates a git repository whose `main` holds one commit with the given content. Use it to set up a
 * drill's service repo for `startForge`. Returns the commit sha.
 *
 * Gotcha: the forge only moves refs; in a non-bare repo the checked-out files go stale as PRs merge.
 * Read content through the forge or with `exportRef` instead.
 */
export async function initRepo(options: InitRepoOptions): Promise<string> {
  const repoDir = resolve(options.repoDir);
  await mkdir(repoDir, { recursive: true });
  const bare = options.bare ?? true;
  await execFileAsync('git', ['init', '--quiet', '--initial-branch=main', ...(bare ? ['--bare'] : []), repoDir], {
    env: { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' },
  });
  const git = await openRepo(repoDir);
  const changes: TreeChange[] = [];
  if (options.fromDir) changes.push(...(await snapshotDirectory(git, resolve(options.fromDir))));
  for (const [path, content] of Object.entries(options.files ?? {})) {
    changes.push({ mode: '100644', sha: await git.writeBlob(Buffer.from(content, 'utf8')), path });
  }
  const tree = await git.buildTree(undefined, changes);
  const commit = await git.commitTree(tree, [], options.message ?? 'Initial commit', options.author ?? FORGE_IDENTITY);
  await git.updateRef('refs/heads/main', commit, '');
  return commit;
}

/** Opens an existing repository (bare or not) for plumbing access. */
export async function openRepo(repoDir: string): Promise<Git> {
  const { stdout } = await execFileAsync('git', ['-C', repoDir, 'rev-parse', '--absolute-git-dir'], {
    env: { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' },
  });
  return new Git(stdout.trim());
}

/**
 * Writes the files of `ref` (branch, tag or sha) into `destDir`, e.g. for a deployer that builds what
 * was merged. Existing files in `destDir` are overwritten; files not in the ref are left alone.
 */
export async function exportRef(repoDir: string, ref: string, destDir: string): Promise<string> {
  const git = await openRepo(repoDir);
  const sha = await git.resolveCommit(ref);
  if (!sha) throw new Error(`exportRef: no commit for ref "${ref}"`);
  await mkdir(destDir, { recursive: true });
  const index = join(tmpdir(), `firebreak-forge-export-${randomUUID()}`);
  const env = { GIT_INDEX_FILE: index };
  try {
    await git.run([`--work-tree=${resolve(destDir)}`, 'read-tree', sha], { env });
    await git.run([`--work-tree=${resolve(destDir)}`, 'checkout-index', '--all', '--force'], { env });
  } finally {
    await rm(index, { force: true });
  }
  return sha;
}

async function snapshotDirectory(git: Git, root: string): Promise<TreeChange[]> {
  const changes: TreeChange[] = [];
  const walk = async (dir: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true });
    entries.sort((a, b) => a.name.localeCompare(b.name));
    for (const entry of entries) {
      if (entry.name === '.git') continue;
      const full = join(dir, entry.name);
      const path = relative(root, full).split(sep).join('/');
      if (entry.isDirectory()) {
        await walk(full);
      } else if (entry.isSymbolicLink()) {
        changes.push({ mode: '120000', sha: await git.writeBlob(Buffer.from(await readlink(full))), path });
      } else if (entry.isFile()) {
        const executable = ((await lstat(full)).mode & 0o111) !== 0;
        changes.push({ mode: executable ? '100755' : '100644', sha: await git.writeBlob(await readFile(full)), path });
      }
    }
  };
  await walk(root);
  return changes;
}
