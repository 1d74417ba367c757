import { NOREPLY_DOMAIN, type ForgeContext } from './context.js';
import type { CommitInfo, TreeEntry } from './git-history.js';
import type { FileChange } from './git-diff.js';

// GitHub JSON for git-level objects. Only fields clients actually read are filled; URLs point at the forge.

const nodeId = (kind: string, key: string | number): string => Buffer.from(`${kind}:${key}`).toString('base64');

/** A GitHub user object. */
export function userJson(ctx: ForgeContext, login: string): Record<string, unknown> {
  return {
    login,
    id: [...login].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7),
    node_id: nodeId('User', login),
    type: 'User',
    site_admin: false,
    url: `${ctx.apiUrl}/users/${login}`,
    html_url: `${ctx.apiUrl}/${login}`,
    avatar_url: '',
  };
}

// GitHub attributes a commit to a user when the e-mail belongs to one; ours are the noreply addresses.
function commitUser(ctx: ForgeContext, email: string): Record<string, unknown> | null {
  const [local, domain] = email.split('@');
  return local && domain === NOREPLY_DOMAIN ? userJson(ctx, local) : null;
}

function parentsJson(ctx: ForgeContext, parents: readonly string[], kind: 'commits' | 'git/commits'): unknown[] {
  return parents.map((sha) => ({ sha, url: `${ctx.repoApi}/${kind}/${sha}`, html_url: `${ctx.htmlBase}/commit/${sha}` }));
}

const UNSIGNED = { verified: false, reason: 'unsigned', signature: null, payload: null, verified_at: null };

/** A commit from the git data API (`/git/commits/{sha}`). */
export function gitCommitJson(ctx: ForgeContext, c: CommitInfo): Record<string, unknown> {
  return {
    sha: c.sha,
    node_id: nodeId('Commit', c.sha),
    url: `${ctx.repoApi}/git/commits/${c.sha}`,
    html_url: `${ctx.htmlBase}/commit/${c.sha}`,
    author: c.author,
    committer: c.committer,
    message: c.message,
    tree: { sha: c.tree, url: `${ctx.repoApi}/git/trees/${c.tree}` },
    parents: parentsJson(ctx, c.parents, 'git/commits'),
    verification: UNSIGNED,
  };
}

/** A commit from the REST commits API (`/commits`, `/commits/{ref}`), optionally with stats and files. */
export function commitJson(ctx: ForgeContext, c: CommitInfo, files?: readonly FileChange[]): Record<string, unknown> {
  const base: Record<string, unknown> = {
    sha: c.sha,
    node_id: nodeId('Commit', c.sha),
    url: `${ctx.repoApi}/commits/${c.sha}`,
    html_url: `${ctx.htmlBase}/commit/${c.sha}`,
    comments_url: `${ctx.repoApi}/commits/${c.sha}/comments`,
    commit: {
      url: `${ctx.repoApi}/git/commits/${c.sha}`,
      author: c.author,
      committer: c.committer,
      message: c.message,
      tree: { sha: c.tree, url: `${ctx.repoApi}/git/trees/${c.tree}` },
      comment_count: 0,
      verification: UNSIGNED,
    },
    author: commitUser(ctx, c.author.email),
    committer: commitUser(ctx, c.committer.email),
    parents: parentsJson(ctx, c.parents, 'commits'),
  };
  if (!files) return base;
  const additions = files.reduce((n, f) => n + f.additions, 0);
  const deletions = files.reduce((n, f) => n + f.deletions, 0);
  return { ...base, stats: { total: additions + deletions, additions, deletions }, files: files.map((f) => fileJson(ctx, f, c.sha)) };
}

/** One entry of a PR's or commit's `files`. */
export function fileJson(ctx: ForgeContext, f: FileChange, ref: string): Record<string, unknown> {
  return {
    ...f,
    blob_url: `${ctx.htmlBase}/blob/${ref}/${f.filename}`,
    raw_url: `${ctx.htmlBase}/raw/${ref}/${f.filename}`,
    contents_url: `${ctx.repoApi}/contents/${encodeURI(f.filename)}?ref=${ref}`,
  };
}

/** A git reference (`/git/ref/...`, `/git/refs`). `ref` is fully qualified (refs/heads/x). */
export function refJson(ctx: ForgeContext, ref: string, sha: string): Record<string, unknown> {
  return {
    ref,
    node_id: nodeId('Ref', ref),
    url: `${ctx.repoApi}/git/${ref}`,
    object: { sha, type: 'commit', url: `${ctx.repoApi}/git/commits/${sha}` },
  };
}

/** A contents-API entry (file, dir, symlink or submodule); `content` only for a single file read. */
export function contentJson(ctx: ForgeContext, entry: TreeEntry, ref: string, content?: Buffer): Record<string, unknown> {
  const type = entry.type === 'tree' ? 'dir' : entry.type === 'commit' ? 'submodule' : entry.mode === '120000' ? 'symlink' : 'file';
  const name = entry.path.split('/').pop() ?? entry.path;
  const url = `${ctx.repoApi}/contents/${encodeURI(entry.path)}?ref=${encodeURIComponent(ref)}`;
  const gitUrl = `${ctx.repoApi}/git/${entry.type === 'tree' ? 'trees' : 'blobs'}/${entry.sha}`;
  const htmlUrl = `${ctx.htmlBase}/${type === 'dir' ? 'tree' : 'blob'}/${ref}/${entry.path}`;
  const json: Record<string, unknown> = {
    type,
    name,
    path: entry.path,
    sha: entry.sha,
    size: entry.size ?? 0,
    url,
    git_url: gitUrl,
    html_url: htmlUrl,
    download_url: type === 'file' ? `${ctx.htmlBase}/raw/${ref}/${entry.path}` : null,
    _links: { self: url, git: gitUrl, html: htmlUrl },
  };
  if (content) {
    // GitHub wraps base64 at 60 columns; clients (octokit users, github-mcp-server) strip the newlines.
    const wrapped = (content.toString('base64').match(/.{1,60}/g) ?? []).join('\n');
    json.content = wrapped ? `${wrapped}\n` : '';
    json.encoding = 'base64';
  }
  return json;
}
