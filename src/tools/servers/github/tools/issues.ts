import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { GithubToolInputError } from '../errors.js';
import { hasBodyMarker, idempotencyKeyArg, withBodyMarker } from '../idempotency.js';
import { owner, registerGithubTool, repo, WRITE, type GithubToolContext } from '../tool-kit.js';

// How far back a keyed issue_write(create) looks for its earlier issue: recent issues, newest first.
const ISSUE_SCAN_PAGES = 3;

interface IssueLike {
  number: number;
  title: string;
  body?: string | null;
  state: string;
  state_reason?: string | null;
  html_url: string;
  labels: (string | { name?: string })[];
  assignees?: { login: string }[] | null;
  pull_request?: unknown;
}

function summarize(issue: IssueLike): Record<string, unknown> {
  return {
    number: issue.number,
    title: issue.title,
    body: issue.body ?? null,
    state: issue.state,
    state_reason: issue.state_reason ?? null,
    html_url: issue.html_url,
    labels: issue.labels.map((l) => (typeof l === 'string' ? l : l.name)),
    assignees: (issue.assignees ?? []).map((a) => a.login),
  };
}

/** Registers the `issues` toolset. */
export function registerIssueTools(server: McpServer, ctx: GithubToolContext): void {
  const gh = ctx.octokit.rest;

  registerGithubTool(server, ctx, {
    name: 'add_issue_comment',
    title: 'Add comment to issue or pull request',
    description: 'Add a comment to a specific issue in a GitHub repository. Use this tool with pull requests as well (pass the pull request number as issue_number).',
    inputSchema: {
      owner,
      repo,
      issue_number: z.number().int().positive().describe('Issue number to comment on'),
      body: z.string().min(1).describe('Comment content'),
      idempotencyKey: idempotencyKeyArg,
    },
    annotations: WRITE,
    async run(args) {
      const { owner: o, repo: r, issue_number, idempotencyKey: key } = args;
      const { value, replayed } = await ctx.idempotency.once(
        'add_issue_comment',
        key,
        async () => {
          const comments = await ctx.octokit.paginate(gh.issues.listComments, { owner: o, repo: r, issue_number, per_page: 100 });
          return comments.find((c) => key && hasBodyMarker(c.body, key));
        },
        async () => (await gh.issues.createComment({ owner: o, repo: r, issue_number, body: withBodyMarker(args.body, key) ?? args.body })).data,
      );
      return { id: value.id, html_url: value.html_url, body: value.body ?? '', issue_number, ...(replayed ? { idempotentReplay: true } : {}) };
    },
  });

  registerGithubTool(server, ctx, {
    name: 'issue_write',
    title: 'Create or update issue',
    description: "Create a new or update an existing issue in a GitHub repository. method 'create' needs title; 'update' needs issue_number.",
    inputSchema: {
      method: z.enum(['create', 'update']).describe("Write operation: 'create' a new issue or 'update' an existing one"),
      owner,
      repo,
      title: z.string().min(1).optional().describe('Issue title'),
      body: z.string().optional().describe('Issue body; Markdown supported.'),
      labels: z.array(z.string()).optional().describe('Labels to apply to this issue'),
      assignees: z.array(z.string()).optional().describe('Usernames to assign to this issue'),
      issue_number: z.number().int().positive().optional().describe('Issue number to update'),
      state: z.enum(['open', 'closed']).optional().describe('New state'),
      state_reason: z.enum(['completed', 'not_planned', 'duplicate']).optional().describe('Reason for the state change. Ignored unless state is changed.'),
      idempotencyKey: idempotencyKeyArg,
    },
    annotations: WRITE,
    async run(args) {
      const { owner: o, repo: r, idempotencyKey: key } = args;
      const fields = {
        ...(args.title !== undefined ? { title: args.title } : {}),
        ...(args.labels !== undefined ? { labels: args.labels } : {}),
        ...(args.assignees !== undefined ? { assignees: args.assignees } : {}),
      };
      if (args.method === 'update') {
        if (args.issue_number === undefined) throw new GithubToolInputError("'issue_number' is required when method is 'update'");
        // Updates set fields to given values, so repeating one is harmless: no key bookkeeping needed.
        const { data } = await gh.issues.update({
          owner: o,
          repo: r,
          issue_number: args.issue_number,
          ...fields,
          ...(args.body !== undefined ? { body: args.body } : {}),
          ...(args.state ? { state: args.state } : {}),
          ...(args.state && args.state_reason ? { state_reason: args.state_reason } : {}),
        });
        return summarize(data);
      }
      const title = args.title;
      if (title === undefined) throw new GithubToolInputError("'title' is required when method is 'create'");
      const { value, replayed } = await ctx.idempotency.once(
        'issue_write.create',
        key,
        async () => {
          for (let page = 1; page <= ISSUE_SCAN_PAGES; page++) {
            const { data } = await gh.issues.listForRepo({ owner: o, repo: r, state: 'all', sort: 'created', direction: 'desc', per_page: 100, page });
            const found = data.find((i) => !i.pull_request && key && hasBodyMarker(i.body, key));
            if (found || data.length < 100) return found;
          }
          return undefined;
        },
        async () => {
          const body = withBodyMarker(args.body, key);
          return (await gh.issues.create({ owner: o, repo: r, ...fields, title, ...(body !== undefined ? { body } : {}) })).data;
        },
      );
      return { ...summarize(value), ...(replayed ? { idempotentReplay: true } : {}) };
    },
  });
}
