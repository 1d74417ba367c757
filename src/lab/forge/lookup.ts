import type { ForgeContext } from './context.js';
import { ForgeHttpError, notFound, unprocessable } from './errors.js';

/** The tip of branch `name`, or undefined if there is no such branch. */
export async function branchTip(ctx: ForgeContext, name: string): Promise<string | undefined> {
  if (!isValidBranchName(name)) return undefined;
  return ctx.git.resolveCommit(`refs/heads/${name}`);
}

/** The tip of branch `name`; 404 (GitHub's "Branch not found") if it does not exist. */
export async function requireBranch(ctx: ForgeContext, name: string): Promise<string> {
  const sha = await branchTip(ctx, name);
  if (!sha) throw new ForgeHttpError(404, `Branch not found: ${name}`);
  return sha;
}

/**
 * Resolves a user-supplied ref the way GitHub's `?ref=`/`?sha=` do: branch, tag, full or short sha, or
 * fully-qualified `refs/...` (including `refs/pull/N/head`). Branches win over tags of the same name.
 */
export async function resolveRef(ctx: ForgeContext, ref: string): Promise<string | undefined> {
  if (!ref || ref.startsWith('-') || /[\s~^:?*[\\]|\.\./.test(ref)) return undefined;
  // GitHub's virtual per-PR ref; here it follows the PR's head branch (or its frozen tip once closed).
  const pull = /^refs\/pull\/(\d+)\/head$/.exec(ref);
  if (pull) {
    const pr = ctx.state.pulls.get(Number(pull[1]));
    return pr ? (pr.frozenHeadSha ?? branchTip(ctx, pr.head)) : undefined;
  }
  if (ref.startsWith('refs/')) return ctx.git.resolveCommit(ref);
  return (
    (await ctx.git.resolveCommit(`refs/heads/${ref}`)) ??
    (await ctx.git.resolveCommit(`refs/tags/${ref}`)) ??
    (/^[0-9a-f]{4,40}$/i.test(ref) ? ctx.git.resolveCommit(ref) : undefined)
  );
}

/** Like resolveRef, but 404 with GitHub's message when nothing matches. */
export async function requireRef(ctx: ForgeContext, ref: string): Promise<string> {
  const sha = await resolveRef(ctx, ref);
  if (!sha) throw new ForgeHttpError(404, `No commit found for the ref ${ref}`);
  return sha;
}

/** git's own ref-name rules (check-ref-format), applied without spawning git. */
export function isValidBranchName(name: string): boolean {
  if (!name || name.length > 255 || name.startsWith('-') || name.startsWith('/') || name.endsWith('/')) return false;
  if (name.endsWith('.') || name.endsWith('.lock') || name === '@' || name.includes('@{')) return false;
  if (/[\x00-\x20\x7f~^:?*[\\]|\.\.|\/\/|\/\./.test(name) || name.startsWith('.')) return false;
  return true;
}

/** Validates a repository file path (no leading slash, no `..`, no `.git`); 422 otherwise. */
export function requirePath(path: string): string {
  const clean = path.replace(/^\/+|\/+$/g, '');
  const segments = clean.split('/');
  if (!clean || segments.some((s) => s === '' || s === '.' || s === '..' || s === '.git')) {
    throw unprocessable(`path is invalid: ${JSON.stringify(path)}`, [{ resource: 'Commit', field: 'path', code: 'invalid' }]);
  }
  return clean;
}

/** Parses a numeric path parameter (`{pull_number}`, `{issue_number}`); 404 if it is not a number. */
export function numberParam(value: string | undefined): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw notFound();
  return n;
}
