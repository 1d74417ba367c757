import { z } from 'zod';
import type { ForgeContext } from '../context.js';
import { conflict, notFound, parseBody, unprocessable } from '../errors.js';
import { GitCommandError } from '../git.js';
import { readCommit } from '../git-history.js';
import { isValidBranchName } from '../lookup.js';
import { paged, route, type ForgeRequest, type Route } from '../router.js';
import { commitJson, refJson } from '../shapes-git.js';

const CreateRef = z.object({ ref: z.string(), sha: z.string() });
const UpdateRef = z.object({ sha: z.string(), force: z.boolean().optional() });

/** Accepts `heads/x`, `refs/heads/x`, `tags/x`; returns the fully qualified ref or undefined. */
function qualify(ref: string): string | undefined {
  const full = ref.startsWith('refs/') ? ref : `refs/${ref}`;
  const m = /^refs\/(heads|tags)\/(.+)$/.exec(full);
  return m && isValidBranchName(m[2] ?? '') ? full : undefined;
}

function branchOf(fullRef: string): string | undefined {
  return fullRef.startsWith('refs/heads/') ? fullRef.slice('refs/heads/'.length) : undefined;
}

async function getRef(req: ForgeRequest, ctx: ForgeContext) {
  const full = qualify(req.params.ref ?? '');
  const sha = full ? await ctx.git.resolveCommit(full) : undefined;
  if (!full || !sha) throw notFound();
  return { status: 200, body: refJson(ctx, full, sha) };
}

async function createRef(req: ForgeRequest, ctx: ForgeContext) {
  const body = parseBody(CreateRef, req.body, 'Reference');
  if (!body.ref.startsWith('refs/') || body.ref.split('/').length < 3) {
    throw unprocessable("Reference name must start with 'refs/' and have at least two slashes.");
  }
  const full = qualify(body.ref);
  if (!full) throw unprocessable(`${body.ref} is not a valid ref name.`);
  return ctx.writes.run(async () => {
    if ((await ctx.git.objectType(body.sha)) !== 'commit') throw unprocessable('Object does not exist');
    if (await ctx.git.resolveCommit(full)) throw unprocessable('Reference already exists');
    const sha = (await ctx.git.resolveCommit(body.sha)) ?? body.sha;
    await ctx.git.updateRef(full, sha, '');
    const branch = branchOf(full);
    if (branch) ctx.events.record({ type: 'branch.created', branch, sha });
    return { status: 201, body: refJson(ctx, full, sha), headers: { location: `${ctx.repoApi}/git/${full}` } };
  });
}

async function updateRef(req: ForgeRequest, ctx: ForgeContext) {
  const body = parseBody(UpdateRef, req.body, 'Reference');
  const full = qualify(req.params.ref ?? '');
  if (!full) throw unprocessable('Reference does not exist');
  return ctx.writes.run(async () => {
    const before = await ctx.git.resolveCommit(full);
    if (!before) throw unprocessable('Reference does not exist');
    if ((await ctx.git.objectType(body.sha)) !== 'commit') throw unprocessable('Object does not exist');
    if (!body.force && !(await ctx.git.isAncestor(before, body.sha))) throw unprocessable('Update is not a fast forward');
    try {
      await ctx.git.updateRef(full, body.sha, before);
    } catch (error) {
      if (error instanceof GitCommandError) throw conflict('Reference update failed; retry');
      throw error;
    }
    const branch = branchOf(full);
    if (branch) ctx.events.record({ type: 'branch.updated', branch, before, after: body.sha, via: 'refs' });
    return { status: 200, body: refJson(ctx, full, body.sha) };
  });
}

async function deleteRef(req: ForgeRequest, ctx: ForgeContext) {
  const full = qualify(req.params.ref ?? '');
  if (!full) throw unprocessable('Reference does not exist');
  return ctx.writes.run(async () => {
    const sha = await ctx.git.resolveCommit(full);
    if (!sha) throw unprocessable('Reference does not exist');
    await ctx.git.run(['update-ref', '-d', full, sha]);
    const branch = branchOf(full);
    if (branch) ctx.events.record({ type: 'branch.deleted', branch, sha });
    return { status: 204 };
  });
}

async function listBranches(req: ForgeRequest, ctx: ForgeContext) {
  const raw = await ctx.git.text(['for-each-ref', '--format=%(refname:lstrip=2)%00%(objectname)', 'refs/heads/']);
  const branches = raw
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [name = '', sha = ''] = line.split('\0');
      return { name, commit: { sha, url: `${ctx.repoApi}/commits/${sha}` }, protected: false };
    });
  return paged(req, branches);
}

async function getBranch(req: ForgeRequest, ctx: ForgeContext) {
  const name = req.params.branch ?? '';
  const sha = isValidBranchName(name) ? await ctx.git.resolveCommit(`refs/heads/${name}`) : undefined;
  if (!sha) throw notFound();
  const commit = commitJson(ctx, await readCommit(ctx.git, sha));
  const links = { self: `${ctx.repoApi}/branches/${name}`, html: `${ctx.htmlBase}/tree/${name}` };
  return { status: 200, body: { name, commit, _links: links, protected: false, protection: { enabled: false }, protection_url: `${links.self}/protection` } };
}

/** Git references and branches. */
export const refRoutes: Route[] = [
  route('GET', '/git/ref/*ref', getRef),
  route('GET', '/git/refs/*ref', getRef),
  route('POST', '/git/refs', createRef),
  route('PATCH', '/git/refs/*ref', updateRef),
  route('DELETE', '/git/refs/*ref', deleteRef),
  route('GET', '/branches', listBranches),
  route('GET', '/branches/*branch', getBranch),
];
