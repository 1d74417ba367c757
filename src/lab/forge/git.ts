import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A git command exited with a status the caller did not allow. Carries git's stderr (never any secret). */
export class GitCommandError extends Error {
  override readonly name = 'GitCommandError';
  constructor(
    readonly args: readonly string[],
    readonly exitCode: number | null,
    readonly stderr: string,
  ) {
    super(`git ${args.slice(0, 2).join(' ')} failed (exit ${exitCode}): ${stderr.trim().slice(0, 500)}`);
  }
}

export interface GitIdentity {
  readonly name: string;
  readonly email: string;
  /** ISO date or git date string; defaults to now. */
  readonly date?: string;
}

export interface GitRunOptions {
  readonly input?: string | Buffer;
  readonly env?: Record<string, string>;
  /** Exit codes that are answers rather than failures (e.g. 1 for `merge-tree` conflicts). */
  readonly allowExit?: readonly number[];
}

export interface GitResult {
  readonly stdout: Buffer;
  readonly stderr: string;
  readonly exitCode: number;
}

// Hermetic: the forge must behave the same on every machine, whatever the user's ~/.gitconfig says.
const BASE_ENV: Record<string, string> = {
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_TERMINAL_PROMPT: '0',
  LC_ALL: 'C',
};

/**
 * Runs git plumbing against one repository's object database and refs. Never touches a working tree:
 * the forge is a server, and a checked-out tree (if any) is the user's, not ours.
 */
export class Git {
  constructor(readonly gitDir: string) {}

  /** Runs `git <args>`; throws GitCommandError unless the exit code is 0 or listed in `allowExit`. */
  run(args: readonly string[], options: GitRunOptions = {}): Promise<GitResult> {
    return new Promise((resolve, reject) => {
      const child = spawn('git', [`--git-dir=${this.gitDir}`, ...args], {
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...BASE_ENV, ...options.env },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
      child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
      child.on('error', reject);
      // git may exit before reading all of stdin (e.g. on a bad object); that EPIPE is not the real error.
      child.stdin.on('error', () => undefined);
      child.on('close', (code) => {
        const stderr = Buffer.concat(err).toString('utf8');
        const exitCode = code ?? -1;
        if (exitCode !== 0 && !(options.allowExit ?? []).includes(exitCode)) {
          reject(new GitCommandError(args, code, stderr));
          return;
        }
        resolve({ stdout: Buffer.concat(out), stderr, exitCode });
      });
      child.stdin.end(options.input ?? '');
    });
  }

  /** Runs git and returns trimmed stdout as text. */
  async text(args: readonly string[], options: GitRunOptions = {}): Promise<string> {
    return (await this.run(args, options)).stdout.toString('utf8').trim();
  }

  /** Resolves any revision (branch, tag, sha, refs/...) to a commit sha, or undefined if it does not exist. */
  async resolveCommit(rev: string): Promise<string | undefined> {
    if (rev.startsWith('-')) return undefined;
    const result = await this.run(['rev-parse', '--verify', '--quiet', '--end-of-options', `${rev}^{commit}`], {
      allowExit: [1, 128],
    });
    const sha = result.stdout.toString('utf8').trim();
    return result.exitCode === 0 && sha ? sha : undefined;
  }

  /** The type of an object ('blob', 'tree', 'commit', 'tag'), or undefined if the object does not exist. */
  async objectType(sha: string): Promise<string | undefined> {
    if (!/^[0-9a-f]{4,64}$/i.test(sha)) return undefined;
    const result = await this.run(['cat-file', '-t', sha], { allowExit: [1, 128] });
    return result.exitCode === 0 ? result.stdout.toString('utf8').trim() : undefined;
  }

  /** Writes a blob and returns its sha. */
  async writeBlob(content: Buffer): Promise<string> {
    return this.text(['hash-object', '-w', '--stdin'], { input: content });
  }

  /** Reads a blob's raw bytes. */
  async readBlob(sha: string): Promise<Buffer> {
    return (await this.run(['cat-file', 'blob', sha])).stdout;
  }

  /**
   * Builds a new tree from `baseTree` (or empty) plus index-info records: `{ mode, sha, path }` adds or
   * replaces a file, `{ path, remove: true }` deletes it. Uses a throwaway index file, so it is safe to run
   * next to other operations and never disturbs a working tree.
   */
  async buildTree(baseTree: string | undefined, changes: readonly TreeChange[]): Promise<string> {
    const index = join(tmpdir(), `firebreak-forge-index-${randomUUID()}`);
    const env = { GIT_INDEX_FILE: index };
    try {
      await this.run(baseTree ? ['read-tree', baseTree] : ['read-tree', '--empty'], { env });
      if (changes.length > 0) {
        const records = changes.map((c) =>
          'remove' in c ? `0 ${'0'.repeat(40)}\t${c.path}\0` : `${c.mode} ${c.sha}\t${c.path}\0`,
        );
        await this.run(['update-index', '-z', '--index-info'], { env, input: records.join('') });
      }
      return await this.text(['write-tree'], { env });
    } finally {
      await rm(index, { force: true });
    }
  }

  /** Creates a commit object (no ref moves) and returns its sha. */
  async commitTree(tree: string, parents: readonly string[], message: string, author: GitIdentity, committer = author): Promise<string> {
    const args = ['commit-tree', tree, ...parents.flatMap((p) => ['-p', p])];
    return this.text(args, { input: message, env: identityEnv(author, committer) });
  }

  /**
   * Moves a ref with compare-and-swap: fails with GitCommandError if the ref is not at `expectedOld`
   * (pass '' to require that the ref does not exist yet).
   */
  async updateRef(ref: string, newSha: string, expectedOld: string): Promise<void> {
    await this.run(['update-ref', ref, newSha, expectedOld || '0'.repeat(40)]);
  }

  /** True if `ancestor` is reachable from `descendant`. */
  async isAncestor(ancestor: string, descendant: string): Promise<boolean> {
    const result = await this.run(['merge-base', '--is-ancestor', ancestor, descendant], { allowExit: [1] });
    return result.exitCode === 0;
  }

  /** The best common ancestor of two commits, or undefined for unrelated histories. */
  async mergeBase(a: string, b: string): Promise<string | undefined> {
    const result = await this.run(['merge-base', a, b], { allowExit: [1] });
    return result.exitCode === 0 ? result.stdout.toString('utf8').trim() : undefined;
  }

  /** Three-way merges two commits without a working tree: the merged tree sha, or undefined on conflicts. */
  async mergeTrees(ours: string, theirs: string): Promise<string | undefined> {
    const result = await this.run(['merge-tree', '--write-tree', '--no-messages', ours, theirs], { allowExit: [1] });
    if (result.exitCode !== 0) return undefined;
    return result.stdout.toString('utf8').split('\n')[0]?.trim();
  }
}

export type TreeChange = { readonly mode: string; readonly sha: string; readonly path: string } | { readonly path: string; readonly remove: true };

function identityEnv(author: GitIdentity, committer: GitIdentity): Record<string, string> {
  const env: Record<string, string> = {
    GIT_AUTHOR_NAME: author.name,
    GIT_AUTHOR_EMAIL: author.email,
    GIT_COMMITTER_NAME: committer.name,
    GIT_COMMITTER_EMAIL: committer.email,
  };
  if (author.date) env.GIT_AUTHOR_DATE = author.date;
  if (committer.date) env.GIT_COMMITTER_DATE = committer.date;
  return env;
}
