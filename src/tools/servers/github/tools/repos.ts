import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { statusOf } from '../errors.js';
import { hasCommitTrailer, idempotencyKeyArg, withCommitTrailer } from '../idempotency.js';
import { hasNextPage, owner, page, perPage, READ, registerGithubTool, repo, WRITE, type GithubToolContext } from '../tool-kit.js';
import { pushFiles } from './push-files.js';

/** What create_or_update_file reports; `content` is absent when a keyed call is replayed from history. */
interface FileWrite {
  content?: { path?: string | undefined; sha?: string | undefined; size?: number | undefined; html_url?: string | undefined };
  commit: { sha?: string | undefined; message?: string | undefined; html_url?: string | undefined };
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Text if the bytes are valid UTF-8 without NULs, else base64: models read text, not binary. */
function decodeContent(bytes: Buffer): { encoding: 'utf-8' | 'base64'; content: string } {
  try {
    const text = utf8.decode(bytes);
    if (!text.includes('\0')) return { encoding: 'utf-8', content: text };
  } catch {
    // not UTF-8: fall through to base64
  }
  return { encoding: 'base64', content: bytes.toString('base64') };
}

/** Finds a commit made by an earlier call with the same key among the branch's recent commits. */
async function findKeyedCommit(ctx: GithubToolContext, o: string, r: string, branch: string, key: string) {
  const { data } = await ctx.octokit.rest.repos.listCommits({ owner: o, repo: r, sha: branch, per_page: 100 }).catch((e: unknown) => {
    if (statusOf(e) === 404 || statusOf(e) === 409) return { data: [] };
    throw e;
  });
  return data.find((c) => hasCommitTrailer(c.commit.message, key));
}

/** Registers the `repos` toolset: files, branches and commits. */
export function registerRepoTools(server: McpServer, ctx: GithubToolContext): void {
  const gh = ctx.octokit.rest;

  registerGithubTool(server, ctx, {
    name: 'get_file_contents',
    title: 'Get file or directory contents',
    description: 'Get the contents of a file or directory from a GitHub repository',
    inputSchema: {
      owner,
      repo,
      path: z.string().default('/').describe('Path to file/directory'),
      ref: z.string().optional().describe('Accepts optional git refs such as `refs/tags/{tag}`, `refs/heads/{branch}` or `refs/pull/{pr_number}/head`'),
      sha: z.string().optional().describe('Accepts optional commit SHA. If specified, it will be used instead of ref'),
    },
    annotations: READ,
    async run(args) {
      const path = args.path.replace(/^\/+/, '').replace(/\/+$/, '');
      const ref = args.sha ?? args.ref;
      const { data } = await gh.repos.getContent({ owner: args.owner, repo: args.repo, path, ...(ref ? { ref } : {}) });
      if (Array.isArray(data)) {
        return { type: 'dir', path, ...(ref ? { ref } : {}), entries: data.map((e) => ({ name: e.name, path: e.path, type: e.type, size: e.size, sha: e.sha })) };
      }
      if (data.type !== 'file') return { type: data.type, path: data.path, sha: data.sha, size: data.size };
      let bytes = Buffer.from(data.content ?? '', 'base64');
      // Files over 1 MB come back without inline content; the blob API serves them.
      if (data.size > 0 && bytes.length === 0) {
        const blob = await gh.git.getBlob({ owner: args.owner, repo: args.repo, file_sha: data.sha });
        bytes = Buffer.from(blob.data.content, 'base64');
      }
      return { type: 'file', path: data.path, sha: data.sha, size: data.size, ...(ref ? { ref } : {}), html_url: data.html_url, ...decodeContent(bytes) };
    },
  });

  registerGithubTool(server, ctx, {
    name: 'create_branch',
    title: 'Create branch',
    description: 'Create a new branch in a GitHub repository',
    inputSchema: {
      owner,
      repo,
      branch: z.string().min(1).describe('Name for new branch'),
      from_branch: z.string().optional().describe('Source branch (defaults to repo default)'),
      idempotencyKey: idempotencyKeyArg,
    },
    annotations: WRITE,
    async run(args) {
      const { owner: o, repo: r, branch } = args;
      const getRef = async () => (await gh.git.getRef({ owner: o, repo: r, ref: `heads/${branch}` })).data;
      const { value, replayed } = await ctx.idempotency.once(
        'create_branch',
        args.idempotencyKey,
        // Durable check: the branch exists already, so an earlier call with this key created it.
        async () => getRef().catch((e: unknown) => (statusOf(e) === 404 ? undefined : Promise.reject(e))),
        async () => {
          const from = args.from_branch ?? (await gh.repos.get({ owner: o, repo: r })).data.default_branch;
          const source = await gh.git.getRef({ owner: o, repo: r, ref: `heads/${from}` });
          return (await gh.git.createRef({ owner: o, repo: r, ref: `refs/heads/${branch}`, sha: source.data.object.sha })).data;
        },
      );
      return { ref: value.ref, object: { type: value.object.type, sha: value.object.sha }, ...(replayed ? { idempotentReplay: true } : {}) };
    },
  });

  registerGithubTool(server, ctx, {
    name: 'create_or_update_file',
    title: 'Create or update file',
    description:
      'Create or update a single file in a GitHub repository. If updating, you should provide the SHA of the file you want to update (get it with get_file_contents). SHA MUST be provided for existing file updates.',
    inputSchema: {
      owner,
      repo,
      path: z.string().min(1).describe('Path where to create/update the file'),
      content: z.string().describe('Content of the file'),
      message: z.string().min(1).describe('Commit message'),
      branch: z.string().min(1).describe('Branch to create/update the file in'),
      sha: z.string().optional().describe('The blob SHA of the file being replaced. Required if the file already exists.'),
      idempotencyKey: idempotencyKeyArg,
    },
    annotations: WRITE,
    async run(args) {
      const key = args.idempotencyKey;
      const { value, replayed } = await ctx.idempotency.once<FileWrite>(
        'create_or_update_file',
        key,
        async () => {
          const commit = key ? await findKeyedCommit(ctx, args.owner, args.repo, args.branch, key) : undefined;
          return commit ? { commit: { sha: commit.sha, message: commit.commit.message, html_url: commit.html_url } } : undefined;
        },
        async () => {
          const { data } = await gh.repos.createOrUpdateFileContents({
            owner: args.owner,
            repo: args.repo,
            path: args.path.replace(/^\/+/, ''),
            branch: args.branch,
            message: withCommitTrailer(args.message, key),
            content: Buffer.from(args.content, 'utf8').toString('base64'),
            ...(args.sha ? { sha: args.sha } : {}),
          });
          return {
            content: { path: data.content?.path, sha: data.content?.sha, size: data.content?.size, html_url: data.content?.html_url },
            commit: { sha: data.commit.sha, message: data.commit.message, html_url: data.commit.html_url },
          };
        },
      );
      return { ...value, ...(replayed ? { idempotentReplay: true } : {}) };
    },
  });

  registerGithubTool(server, ctx, {
    name: 'push_files',
    title: 'Push files to repository',
    description: 'Push multiple files to a GitHub repository in a single commit',
    inputSchema: {
      owner,
      repo,
      branch: z.string().min(1).describe('Branch to push to'),
      files: z
        .array(
          z.object({
            path: z.string().min(1).describe('path to the file'),
            content: z.string().describe('file content'),
            mode: z.enum(['100644', '100755']).optional().describe('File mode; omit to keep an existing file\'s mode (new files: 100644)'),
          }),
        )
        .min(1)
        .describe('Array of file objects to push, each object with path (string) and content (string)'),
      message: z.string().min(1).describe('Commit message'),
      idempotencyKey: idempotencyKeyArg,
    },
    annotations: WRITE,
    async run(args) {
      const key = args.idempotencyKey;
      const { value, replayed } = await ctx.idempotency.once(
        'push_files',
        key,
        async () => {
          const commit = key ? await findKeyedCommit(ctx, args.owner, args.repo, args.branch, key) : undefined;
          return commit ? { ref: `refs/heads/${args.branch}`, object: { type: 'commit', sha: commit.sha }, commit: { sha: commit.sha, message: commit.commit.message, html_url: commit.html_url } } : undefined;
        },
        async () => pushFiles(ctx.octokit, { ...args, message: withCommitTrailer(args.message, key) }),
      );
      return { ...value, ...(replayed ? { idempotentReplay: true } : {}) };
    },
  });

  registerGithubTool(server, ctx, {
    name: 'list_commits',
    title: 'List commits',
    description:
      'Get list of commits of a branch in a GitHub repository. Returns at least 30 results per page by default, but can return more if specified using the perPage parameter (up to 100).',
    inputSchema: {
      owner,
      repo,
      sha: z.string().optional().describe('Commit SHA, branch or tag name to list commits of. If not provided, uses the default branch of the repository.'),
      author: z.string().optional().describe('Author username or email address to filter commits by'),
      path: z.string().optional().describe('Only commits containing this file path will be returned'),
      since: z.string().optional().describe('Only commits after this date (ISO 8601)'),
      until: z.string().optional().describe('Only commits before this date (ISO 8601)'),
      page,
      perPage,
    },
    annotations: READ,
    async run(args) {
      const res = await gh.repos.listCommits({
        owner: args.owner,
        repo: args.repo,
        ...(args.sha ? { sha: args.sha } : {}),
        ...(args.author ? { author: args.author } : {}),
        ...(args.path ? { path: args.path } : {}),
        ...(args.since ? { since: args.since } : {}),
        ...(args.until ? { until: args.until } : {}),
        page: args.page ?? 1,
        per_page: args.perPage ?? 30,
      });
      const commits = res.data.map((c) => ({
        sha: c.sha,
        html_url: c.html_url,
        message: c.commit.message,
        author: { name: c.commit.author?.name, email: c.commit.author?.email, date: c.commit.author?.date, login: c.author?.login ?? null },
        committer: { name: c.commit.committer?.name, date: c.commit.committer?.date },
        parents: c.parents.map((p) => p.sha),
      }));
      return { commits, page: args.page ?? 1, perPage: args.perPage ?? 30, hasNextPage: hasNextPage(res.headers.link) };
    },
  });

  registerGithubTool(server, ctx, {
    name: 'get_commit',
    title: 'Get commit details',
    description: 'Get details for a commit from a GitHub repository: message, author, parents and the files it changed (with their patches unless include_diff is false).',
    inputSchema: {
      owner,
      repo,
      sha: z.string().min(1).describe('Commit SHA, branch name, or tag name'),
      include_diff: z.boolean().optional().describe('Whether to include file diffs and stats in the response. Default is true.'),
      page,
      perPage,
    },
    annotations: READ,
    async run(args) {
      const { data } = await gh.repos.getCommit({ owner: args.owner, repo: args.repo, ref: args.sha, page: args.page ?? 1, per_page: args.perPage ?? 30 });
      const withDiff = args.include_diff !== false;
      return {
        sha: data.sha,
        html_url: data.html_url,
        message: data.commit.message,
        author: { name: data.commit.author?.name, email: data.commit.author?.email, date: data.commit.author?.date },
        parents: data.parents.map((p) => p.sha),
        ...(withDiff && data.stats ? { stats: data.stats } : {}),
        files: (data.files ?? []).map((f) => ({
          filename: f.filename, status: f.status,
          ...(withDiff ? { additions: f.additions, deletions: f.deletions, ...(f.patch !== undefined ? { patch: f.patch } : {}) } : {}),
        })),
      };
    },
  });
}
