import { z } from 'zod';
import type { ForgeContext } from '../context.js';
import { conflict, ForgeHttpError, notFound, parseBody, unprocessable } from '../errors.js';
import { GitCommandError, type GitIdentity, type TreeChange } from '../git.js';
import { listTree, readCommit } from '../git-history.js';
import { requireBranch, requirePath, requireRef } from '../lookup.js';
import { route, type ForgeRequest, type Route } from '../router.js';
import { contentJson, gitCommitJson } from '../shapes-git.js';

const Identity = z.object({ name: z.string().min(1), email: z.string().min(1), date: z.string().optional() });

const PutBody = z.object({
  message: z.string().min(1),
  content: z.string().regex(/^[A-Za-z0-9+/=\s]*$/, 'content is not valid Base64'),
  branch: z.string().optional(),
  sha: z.string().optional(),
  committer: Identity.optional(),
  author: Identity.optional(),
});

const DeleteBody = z.object({
  message: z.string().min(1),
  sha: z.string().min(1),
  branch: z.string().optional(),
  committer: Identity.optional(),
  author: Identity.optional(),
});

async function getContents(req: ForgeRequest, ctx: ForgeContext) {
  const ref = req.query.get('ref') || ctx.defaultBranch;
  const commit = await requireRef(ctx, ref);
  const path = (req.params.path ?? '').replace(/^\/+|\/+$/g, '');
  if (!path) {
    const entries = await listTree(ctx.git, commit, '', false);
    return { status: 200, body: entries.map((e) => contentJson(ctx, e, ref)) };
  }
  const [entry] = await listTree(ctx.git, commit, path, true);
  if (!entry) throw notFound();
  if (entry.type === 'tree') {
    const entries = await listTree(ctx.git, commit, path, false);
    return { status: 200, body: entries.map((e) => contentJson(ctx, e, ref)) };
  }
  const content = entry.type === 'blob' ? await ctx.git.readBlob(entry.sha) : undefined;
  return { status: 200, body: contentJson(ctx, entry, ref, content) };
}

/**
 * Commits `changes` on top of `branch` at `tip` and moves the branch (compare-and-swap).
 * Must run inside ctx.writes so the tip cannot move underneath.
 */
async function commitOnBranch(ctx: ForgeContext, branch: string, tip: string, changes: TreeChange[], message: string, author: GitIdentity, committer: GitIdentity) {
  const parent = await readCommit(ctx.git, tip);
  const tree = await ctx.git.buildTree(parent.tree, changes);
  const sha = await ctx.git.commitTree(tree, [tip], message, author, committer);
  try {
    await ctx.git.updateRef(`refs/heads/${branch}`, sha, tip);
  } catch (error) {
    if (error instanceof GitCommandError) throw conflict(`${branch} was updated concurrently; retry`);
    throw error;
  }
  ctx.events.record({ type: 'branch.updated', branch, before: tip, after: sha, via: 'contents' });
  return readCommit(ctx.git, sha);
}

async function putContents(req: ForgeRequest, ctx: ForgeContext) {
  const body = parseBody(PutBody, req.body, 'Commit');
  const path = requirePath(req.params.path ?? '');
  const branch = body.branch ?? ctx.defaultBranch;
  return ctx.writes.run(async () => {
    const tip = await requireBranch(ctx, branch);
    const [existing] = await listTree(ctx.git, tip, path, true);
    if (existing?.type === 'tree') throw unprocessable(`${path} is a directory`);
    if (existing && body.sha === undefined) throw unprocessable('Invalid request.\n\n"sha" wasn\'t supplied.', [{ resource: 'Commit', field: 'sha', code: 'missing_field' }]);
    if (body.sha !== undefined && body.sha !== existing?.sha) throw conflict(`${path} does not match ${body.sha}`);
    const blob = await ctx.git.writeBlob(Buffer.from(body.content, 'base64'));
    const author = body.author ?? body.committer ?? ctx.identity;
    const commit = await commitOnBranch(ctx, branch, tip, [{ mode: existing?.mode ?? '100644', sha: blob, path }], body.message, author, body.committer ?? author);
    const [entry] = await listTree(ctx.git, commit.sha, path, true);
    if (!entry) throw new ForgeHttpError(500, 'written file vanished');
    return { status: existing ? 200 : 201, body: { content: contentJson(ctx, entry, branch), commit: gitCommitJson(ctx, commit) } };
  });
}

async function deleteContents(req: ForgeRequest, ctx: ForgeContext) {
  const body = parseBody(DeleteBody, req.body, 'Commit');
  const path = requirePath(req.params.path ?? '');
  const branch = body.branch ?? ctx.defaultBranch;
  return ctx.writes.run(async () => {
    const tip = await requireBranch(ctx, branch);
    const [existing] = await listTree(ctx.git, tip, path, true);
    if (!existing || existing.type === 'tree') throw notFound();
    if (body.sha !== existing.sha) throw conflict(`${path} does not match ${body.sha}`);
    const author = body.author ?? body.committer ?? ctx.identity;
    const commit = await commitOnBranch(ctx, branch, tip, [{ path, remove: true }], body.message, author, body.committer ?? author);
    return { status: 200, body: { content: null, commit: gitCommitJson(ctx, commit) } };
  });
}

/** The contents API: read files and directories at a ref, create/update/delete one file per commit. */
export const contentsRoutes: Route[] = [
  route('GET', '/contents', getContents),
  route('GET', '/contents/*path', getContents),
  route('PUT', '/contents/*path', putContents),
  route('DELETE', '/contents/*path', deleteContents),
];
