import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult, ToolAnnotations } from '@modelcontextprotocol/sdk/types.js';
import type { Octokit } from 'octokit';
import type { Logger } from 'pino';
import { z } from 'zod';
import { fail, ok } from '../result.js';
import { describeGithubError, statusOf } from './errors.js';
import type { IdempotencyCache } from './idempotency.js';

/** What every tool handler gets. */
export interface GithubToolContext {
  readonly octokit: Octokit;
  readonly logger: Logger;
  readonly idempotency: IdempotencyCache;
  /** Only for redaction: never sent anywhere but GitHub. */
  readonly token: string | undefined;
  /** False in --read-only mode: write tools are not registered at all. */
  readonly writable: boolean;
}

export const owner = z.string().min(1).describe('Repository owner (username or organization)');
export const repo = z.string().min(1).describe('Repository name');
export const page = z.number().int().min(1).optional().describe('Page number for pagination (min 1)');
export const perPage = z.number().int().min(1).max(100).optional().describe('Results per page for pagination (min 1, max 100)');

export const READ: ToolAnnotations = { readOnlyHint: true, openWorldHint: true };
export const WRITE: ToolAnnotations = { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true };
export const DESTRUCTIVE: ToolAnnotations = { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true };

type Shape = z.ZodRawShape;

export interface GithubToolSpec<S extends Shape> {
  readonly name: string;
  readonly title: string;
  readonly description: string;
  readonly inputSchema: S;
  readonly annotations: ToolAnnotations;
  readonly run: (args: z.output<z.ZodObject<S>>) => Promise<Record<string, unknown>>;
}

/**
 * Registers one GitHub tool: the handler's value becomes `ok()`, any GitHub error a `fail()` naming the
 * status, GitHub's message and a hint. Write tools (readOnlyHint false) are skipped in read-only mode.
 */
export function registerGithubTool<S extends Shape>(server: McpServer, ctx: GithubToolContext, spec: GithubToolSpec<S>): void {
  if (spec.annotations.readOnlyHint !== true && !ctx.writable) return;
  const callback = async (args: z.output<z.ZodObject<S>>): Promise<CallToolResult> => {
    try {
      return ok(await spec.run(args));
    } catch (error) {
      const message = describeGithubError(spec.name, error, ctx.token);
      ctx.logger.warn({ tool: spec.name, status: statusOf(error) }, 'github tool call failed');
      return fail(message);
    }
  };
  // The SDK's generic callback type cannot be related to ours for an abstract shape S; the shapes are identical.
  (server.registerTool as (name: string, config: unknown, cb: typeof callback) => void)(
    spec.name,
    { title: spec.title, description: spec.description, inputSchema: spec.inputSchema, annotations: { title: spec.title, ...spec.annotations } },
    callback,
  );
}

/** Whether the Link header of a response advertises another page. */
export const hasNextPage = (link: string | undefined): boolean => /rel="next"/.test(link ?? '');
