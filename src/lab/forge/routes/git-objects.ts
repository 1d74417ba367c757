import { z } from 'zod';
import type { ForgeContext } from '../context.js';
import { notFound, parseBody, unprocessable } from '../errors.js';
import type { TreeChange } from '../git.js';
import { readCommit } from '../git-history.js';
import { requirePath } from '../lookup.js';
import { route, type ForgeRequest, type Route } from '../router.js';
import { gitCommitJson } from '../shapes-git.js';

const Identity = z.object({ name: z.string().min(1), email: z.string().min(1), date: z.string().optional() });

const CreateBlob = z.object({ content: z.string(), encoding: z.enum(['utf-8', 'utf8', 'base64']).optional() });

const TreeItem = z.object({
  path: z.string().min(1),
  mode: z.enum(['100644', '100755', '040000', '160000', '120000']),
  type: z.enum(['blob', 'tree', 'commit']),
  sha: z.string().nullable().optional(),
  content: z.string().optional(),
});
const CreateTree = z.object({ tree: z.array(TreeItem), base_tree: z.string().optional() });

const CreateCommit = z.object({
  message: z.string(),
  tree: z.string(),
  parents: z.array(z.string()).optional(),
  author: Identity.optional(),
  committer: Identity.optional(),
});

async function createBlob(req: ForgeRequest, ctx: ForgeContext) {
  const body = parseBody(CreateBlob, req.body, 'Blob');
  const bytes = Buffer.from(body.content, body.encoding === 'base64' ? 'base64' : 'utf8');
  const sha = await ctx.git.writeBlob(bytes);
  return { status: 201, body: { sha, url: `${ctx.repoApi}/git/blobs/${sha}` } };
}

async function getBlob(req: ForgeRequest, ctx: ForgeContext) {
  const sha = req.params.sha ?? '';
  if ((await ctx.git.objectType(sha)) !== 'blob') throw notFound();
  const bytes = await ctx.git.readBlob(sha);
  return { status: 200, body: { sha, node_id: '', size: bytes.length, url: `${ctx.repoApi}/git/blobs/${sha}`, content: bytes.toString('base64'), encoding: 'base64' } };
}

async function treeJson(ctx: ForgeContext, sha: string, recursive: boolean) {
  const raw = await ctx.git.run(['ls-tree', '-z', '--long', ...(recursive ? ['-r', '-t'] : []), sha]);
  const tree = raw.stdout
    .toString('utf8')
    .split('\0')
    .filter(Boolean)
    .map((line) => {
      const tab = line.indexOf('\t');
      const [mode = '', type = '', objectSha = '', size = '-'] = line.slice(0, tab).split(/\s+/);
      const entry: Record<string, unknown> = { path: line.slice(tab + 1), mode, type, sha: objectSha, url: `${ctx.repoApi}/git/${type}s/${objectSha}` };
      if (size !== '-') entry.size = Number(size);
      return entry;
    });
  return { sha, url: `${ctx.repoApi}/git/trees/${sha}`, tree, truncated: false };
}

async function createTree(req: ForgeRequest, ctx: ForgeContext) {
  const body = parseBody(CreateTree, req.body, 'Tree');
  let base: string | undefined;
  if (body.base_tree) {
    const type = await ctx.git.objectType(body.base_tree);
    if (type !== 'tree' && type !== 'commit') throw unprocessable('base_tree is not a valid tree oid', [{ resource: 'Tree', field: 'base_tree', code: 'invalid' }]);
    base = await ctx.git.text(['rev-parse', `${body.base_tree}^{tree}`]);
  }
  const changes: TreeChange[] = [];
  for (const [i, item] of body.tree.entries()) {
    const path = requirePath(item.path);
    if (item.sha === null) {
      changes.push({ path, remove: true });
      continue;
    }
    // Subtree grafting is rarely used by API clients (push_files sends blobs); refuse it explicitly.
    if (item.type !== 'blob') throw unprocessable(`tree.${i}: only blob entries are supported by the forge`, [{ resource: 'Tree', field: `tree.${i}.type`, code: 'invalid' }]);
    let sha = item.sha;
    if (item.content !== undefined) sha = await ctx.git.writeBlob(Buffer.from(item.content, 'utf8'));
    if (!sha || (await ctx.git.objectType(sha)) !== 'blob') throw unprocessable(`tree.sha ${sha ?? '(none)'} is not a valid blob`, [{ resource: 'Tree', field: `tree.${i}.sha`, code: 'invalid' }]);
    changes.push({ mode: item.mode, sha, path });
  }
  const sha = await ctx.git.buildTree(base, changes);
  return { status: 201, body: await treeJson(ctx, sha, false) };
}

async function getTree(req: ForgeRequest, ctx: ForgeContext) {
  const sha = req.params.sha ?? '';
  const type = await ctx.git.objectType(sha);
  if (type !== 'tree' && type !== 'commit') throw notFound();
  const tree = await ctx.git.text(['rev-parse', `${sha}^{tree}`]);
  const recursive = !!req.query.get('recursive') && req.query.get('recursive') !== 'false';
  return { status: 200, body: await treeJson(ctx, tree, recursive) };
}

async function createCommit(req: ForgeRequest, ctx: ForgeContext) {
  const body = parseBody(CreateCommit, req.body, 'Commit');
  if ((await ctx.git.objectType(body.tree)) !== 'tree') throw unprocessable('Tree SHA does not exist', [{ resource: 'Commit', field: 'tree', code: 'invalid' }]);
  for (const parent of body.parents ?? []) {
    if ((await ctx.git.objectType(parent)) !== 'commit') throw unprocessable('Parent SHA does not exist or is not a commit object', [{ resource: 'Commit', field: 'parents', code: 'invalid' }]);
  }
  const author = body.author ?? body.committer ?? ctx.identity;
  const sha = await ctx.git.commitTree(body.tree, body.parents ?? [], body.message, author, body.committer ?? author);
  return { status: 201, body: gitCommitJson(ctx, await readCommit(ctx.git, sha)), headers: { location: `${ctx.repoApi}/git/commits/${sha}` } };
}

async function getCommit(req: ForgeRequest, ctx: ForgeContext) {
  const sha = req.params.sha ?? '';
  if ((await ctx.git.objectType(sha)) !== 'commit') throw notFound();
  return { status: 200, body: gitCommitJson(ctx, await readCommit(ctx.git, sha)) };
}

/** The git data API: blobs, trees and commits (no ref moves; see refs.ts). Objects are immutable, so no write lock. */
export const gitObjectRoutes: Route[] = [
  route('POST', '/git/blobs', createBlob),
  route('GET', '/git/blobs/:sha', getBlob),
  route('POST', '/git/trees', createTree),
  route('GET', '/git/trees/:sha', getTree),
  route('POST', '/git/commits', createCommit),
  route('GET', '/git/commits/:sha', getCommit),
];
