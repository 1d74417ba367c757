import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { Logger } from 'pino';
import type { BuiltinServer } from '../registry.js';
import { createOctokit } from './client.js';
import { IdempotencyCache } from './idempotency.js';
import { GITHUB_USAGE, GithubConfigError, parseGithubArgs } from './options.js';
import { createGithubServer } from './server.js';
import { stderrLogger } from '../../../primitives/logger.js';

/**
 * Parses `firebreak tools github` arguments (--read-only, --toolsets a,b, --api-url) and the environment
 * (GITHUB_PERSONAL_ACCESS_TOKEN / GITHUB_TOKEN, GITHUB_API_URL, GITHUB_TOOLSETS, GITHUB_READ_ONLY) and
 * returns a server factory: stdio calls it once, HTTP once per session. All sessions share one octokit
 * and one idempotency memory. Throws GithubConfigError naming the bad flag or variable. No network I/O.
 */
export function githubServerFromArgs(argv: string[], env: NodeJS.ProcessEnv, logger?: Logger): () => McpServer {
  const options = parseGithubArgs(argv, env);
  const log = logger ?? stderrLogger('firebreak-github');
  // One client (connection reuse, one view of rate limits) and one idempotency memory for all sessions.
  const deps = { logger: log, idempotency: new IdempotencyCache(), octokit: createOctokit(options, log) };
  return () => createGithubServer(options, deps);
}

/**
 * The registry entry for `firebreak tools github`. Takes the registry's options-error class so this module
 * needs no runtime import of the registry (which imports this one).
 */
export function githubBuiltin(optionsError: new (message: string) => Error): BuiltinServer {
  return {
    summary: 'GitHub tools named like github-mcp-server (files, branches, PRs, merges, issues, workflow dispatch) for GitHub, GHES or the lab forge',
    usage: GITHUB_USAGE,
    async fromArgs(argv, env, ctx) {
      try {
        return githubServerFromArgs(argv, env, ctx?.logger);
      } catch (error) {
        if (error instanceof GithubConfigError) throw new optionsError(error.message);
        throw error;
      }
    },
  };
}
