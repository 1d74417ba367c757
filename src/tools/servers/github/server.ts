import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { Octokit } from 'octokit';
import type { Logger } from 'pino';
import { createOctokit } from './client.js';
import { IdempotencyCache } from './idempotency.js';
import { resolveGithubOptions, type GithubServerOptions, type Toolset } from './options.js';
import type { GithubToolContext } from './tool-kit.js';
import { registerActionTools } from './tools/actions.js';
import { registerIssueTools } from './tools/issues.js';
import { registerPullTools } from './tools/pulls.js';
import { registerRepoTools } from './tools/repos.js';
import { stderrLogger } from '../../../primitives/logger.js';

/** Shared, per-process parts; pass the same ones to every session's server. */
export interface GithubServerDeps {
  /** Logs go to stderr by default (stdout is the protocol over stdio). */
  readonly logger?: Logger;
  /** Keyed-write memory; share one between sessions so a retry on another session is still deduplicated. */
  readonly idempotency?: IdempotencyCache;
  /** A preconfigured client (tests, custom plugins); otherwise built from the options. */
  readonly octokit?: Octokit;
}

const REGISTER: Readonly<Record<Toolset, (server: McpServer, ctx: GithubToolContext) => void>> = {
  repos: registerRepoTools,
  pull_requests: registerPullTools,
  issues: registerIssueTools,
  actions: registerActionTools,
};

/**
 * Builds firebreak's `github` MCP server: a subset of github/github-mcp-server's tools with the same names
 * and parameters (get_file_contents, create_branch, create_or_update_file, push_files, list_commits,
 * create_pull_request, pull_request_read, merge_pull_request, add_issue_comment, issue_write,
 * actions_run_trigger), on octokit, for api.github.com, GitHub Enterprise or a lab forge (`apiUrl`).
 *
 * Gotchas: `readOnly` leaves write tools unregistered (not merely refused); GitHub errors come back as
 * tool results with isError, never as protocol errors; the token never appears in results or logs.
 */
export function createGithubServer(options: GithubServerOptions, deps: GithubServerDeps = {}): McpServer {
  const opts = resolveGithubOptions(options);
  const logger = deps.logger ?? stderrLogger('firebreak-github');
  const ctx: GithubToolContext = {
    octokit: deps.octokit ?? createOctokit(opts, logger),
    logger,
    idempotency: deps.idempotency ?? new IdempotencyCache(),
    token: opts.token,
    writable: !opts.readOnly,
  };
  const server = new McpServer(
    { name: 'firebreak-github', version: '0.1.0' },
    {
      instructions:
        `GitHub tools (${opts.toolsets.join(', ')})${opts.readOnly ? ', read-only' : ''}. ` +
        'To fix code: create_branch, then push_files or create_or_update_file, then create_pull_request; check pull_request_read, then merge_pull_request. ' +
        'Pass an idempotencyKey on writes that may be retried.',
    },
  );
  for (const toolset of new Set(opts.toolsets)) REGISTER[toolset](server, ctx);
  return server;
}
