import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { hasBodyMarker, idempotencyKeyArg, withBodyMarker } from '../idempotency.js';
import { DESTRUCTIVE, hasNextPage, owner, page, perPage, READ, registerGithubTool, repo, WRITE, type GithubToolContext } from '../tool-kit.js';

const pullNumber = z.number().int().positive().describe('Pull request number');

interface PullLike {
  number: number;
  title: string;
  body?: string | null;
  state: string;
  draft?: boolean;
  html_url: string;
  user?: { login: string } | null;
  head: { ref: string; sha: string };
  base: { ref: string; sha: string };
  created_at: string;
  updated_at: string;
  merged_at?: string | null;
  merge_commit_sha?: string | null;
}

/** The fields a persona needs from a PR, without GitHub's hundred URLs. */
function summarize(pr: PullLike & Record<string, unknown>): Record<string, unknown> {
  const pick = (k: string) => (pr[k] === undefined ? {} : { [k]: pr[k] });
  return {
    number: pr.number,
    title: pr.title,
    body: pr.body ?? null,
    state: pr.state,
    draft: pr.draft ?? false,
    html_url: pr.html_url,
    user: pr.user?.login ?? null,
    head: { ref: pr.head.ref, sha: pr.head.sha },
    base: { ref: pr.base.ref, sha: pr.base.sha },
    created_at: pr.created_at,
    updated_at: pr.updated_at,
    merged_at: pr.merged_at ?? null,
    merge_commit_sha: pr.merge_commit_sha ?? null,
    ...pick('merged'),
    ...pick('mergeable'),
    ...pick('mergeable_state'),
    ...pick('commits'),
    ...pick('additions'),
    ...pick('deletions'),
    ...pick('changed_files'),
  };
}

const METHODS = ['get', 'get_diff', 'get_status', 'get_files', 'get_comments', 'get_check_runs'] as const;

/** Registers the `pull_requests` toolset. */
export function registerPullTools(server: McpServer, ctx: GithubToolContext): void {
  const gh = ctx.octokit.rest;

  registerGithubTool(server, ctx, {
    name: 'create_pull_request',
    title: 'Open new pull request',
    description: 'Create a new pull request in a GitHub repository.',
    inputSchema: {
      owner,
      repo,
      title: z.string().min(1).describe('PR title'),
      head: z.string().min(1).describe('Branch containing changes, or owner:branch for a fork'),
      base: z.string().min(1).describe('Base branch name to merge into, e.g. main'),
      body: z.string().optional().describe('PR description; Markdown supported'),
      draft: z.boolean().optional().describe('Create as draft PR'),
      maintainer_can_modify: z.boolean().optional().describe('Allow maintainer edits'),
      idempotencyKey: idempotencyKeyArg,
    },
    annotations: WRITE,
    async run(args) {
      const { owner: o, repo: r, idempotencyKey: key } = args;
      const head = args.head.includes(':') ? args.head : `${o}:${args.head}`;
      const { value, replayed } = await ctx.idempotency.once<PullLike>(
        'create_pull_request',
        key,
        // Durable check: a PR for this head/base (any state) whose body carries the key's marker.
        async () => {
          const prs = await ctx.octokit.paginate(gh.pulls.list, { owner: o, repo: r, head, base: args.base, state: 'all', per_page: 100 });
          return prs.find((p) => key && hasBodyMarker(p.body, key));
        },
        async () => {
          const body = withBodyMarker(args.body, key);
          const { data } = await gh.pulls.create({
            owner: o,
            repo: r,
            title: args.title,
            head: args.head,
            base: args.base,
            ...(body !== undefined ? { body } : {}),
            ...(args.draft !== undefined ? { draft: args.draft } : {}),
            ...(args.maintainer_can_modify !== undefined ? { maintainer_can_modify: args.maintainer_can_modify } : {}),
          });
          return data;
        },
      );
      return { ...summarize(value as PullLike & Record<string, unknown>), ...(replayed ? { idempotentReplay: true } : {}) };
    },
  });

  registerGithubTool(server, ctx, {
    name: 'pull_request_read',
    title: 'Get details for a single pull request',
    description:
      'Get information on a specific pull request in GitHub repository. Methods: get (details), get_diff (unified diff), get_status (combined commit status of the head commit), get_files (changed files, paginated), get_comments (issue comments, paginated), get_check_runs (check runs of the head commit).',
    inputSchema: { method: z.enum(METHODS).describe('What pull request data to retrieve'), owner, repo, pullNumber, page, perPage },
    annotations: READ,
    async run(args) {
      const base = { owner: args.owner, repo: args.repo, pull_number: args.pullNumber };
      const paging = { page: args.page ?? 1, per_page: args.perPage ?? 30 };
      switch (args.method) {
        case 'get':
          return summarize((await gh.pulls.get(base)).data as PullLike & Record<string, unknown>);
        case 'get_diff': {
          const res = await gh.pulls.get({ ...base, mediaType: { format: 'diff' } });
          return { pullNumber: args.pullNumber, diff: String(res.data) };
        }
        case 'get_status': {
          const pr = (await gh.pulls.get(base)).data;
          const { data } = await gh.repos.getCombinedStatusForRef({ owner: args.owner, repo: args.repo, ref: pr.head.sha });
          return { sha: data.sha, state: data.state, total_count: data.total_count, statuses: data.statuses.map((s) => ({ context: s.context, state: s.state, description: s.description, target_url: s.target_url })) };
        }
        case 'get_files': {
          const res = await gh.pulls.listFiles({ ...base, ...paging });
          const files = res.data.map((f) => ({ filename: f.filename, status: f.status, additions: f.additions, deletions: f.deletions, changes: f.changes, ...(f.patch ? { patch: f.patch } : {}) }));
          return { files, ...paging, hasNextPage: hasNextPage(res.headers.link) };
        }
        case 'get_comments': {
          const res = await gh.issues.listComments({ owner: args.owner, repo: args.repo, issue_number: args.pullNumber, ...paging });
          return { comments: res.data.map((c) => ({ id: c.id, user: c.user?.login ?? null, body: c.body, created_at: c.created_at })), ...paging, hasNextPage: hasNextPage(res.headers.link) };
        }
        case 'get_check_runs': {
          const pr = (await gh.pulls.get(base)).data;
          const { data } = await gh.checks.listForRef({ owner: args.owner, repo: args.repo, ref: pr.head.sha, ...paging });
          return { sha: pr.head.sha, total_count: data.total_count, check_runs: data.check_runs.map((c) => ({ name: c.name, status: c.status, conclusion: c.conclusion, html_url: c.html_url })) };
        }
      }
    },
  });

  registerGithubTool(server, ctx, {
    name: 'merge_pull_request',
    title: 'Merge pull request',
    description: 'Merge a pull request in a GitHub repository.',
    inputSchema: {
      owner,
      repo,
      pullNumber,
      commit_title: z.string().optional().describe('Title for merge commit'),
      commit_message: z.string().optional().describe('Extra detail for merge commit'),
      merge_method: z.enum(['merge', 'squash', 'rebase']).optional().describe('Merge method'),
      sha: z.string().optional().describe('Expected head SHA: the merge fails (409) if the branch has moved since you reviewed it'),
      idempotencyKey: idempotencyKeyArg,
    },
    annotations: DESTRUCTIVE,
    async run(args) {
      const base = { owner: args.owner, repo: args.repo, pull_number: args.pullNumber };
      const { value, replayed } = await ctx.idempotency.once(
        'merge_pull_request',
        args.idempotencyKey,
        // A merge is its own durable record: a merged PR means the keyed merge already happened.
        async () => {
          const pr = (await gh.pulls.get(base)).data;
          return pr.merged && pr.merge_commit_sha ? { merged: true, sha: pr.merge_commit_sha, message: 'Pull Request already merged' } : undefined;
        },
        async () => {
          const { data } = await gh.pulls.merge({
            ...base,
            ...(args.commit_title ? { commit_title: args.commit_title } : {}),
            ...(args.commit_message ? { commit_message: args.commit_message } : {}),
            ...(args.merge_method ? { merge_method: args.merge_method } : {}),
            ...(args.sha ? { sha: args.sha } : {}),
          });
          return { merged: data.merged, sha: data.sha, message: data.message };
        },
      );
      return { pullNumber: args.pullNumber, ...value, ...(replayed ? { idempotentReplay: true } : {}) };
    },
  });
}
