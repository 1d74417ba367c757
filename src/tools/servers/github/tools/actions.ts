import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { idempotencyKeyArg } from '../idempotency.js';
import { DESTRUCTIVE, owner, registerGithubTool, repo, type GithubToolContext } from '../tool-kit.js';

/** Registers the `actions` toolset (workflow dispatch). */
export function registerActionTools(server: McpServer, ctx: GithubToolContext): void {
  registerGithubTool(server, ctx, {
    name: 'actions_run_trigger',
    title: 'Trigger GitHub Actions workflow actions',
    description:
      "Trigger GitHub Actions workflow operations. Supported method: 'run_workflow' (workflow_dispatch a workflow on a ref, with optional inputs). " +
      'With an idempotencyKey a repeated dispatch is skipped while this server runs (GitHub keeps no durable record of the key).',
    inputSchema: {
      method: z.enum(['run_workflow']).describe('The method to execute'),
      owner,
      repo,
      workflow_id: z.string().min(1).describe('The workflow ID (numeric) or workflow file name (e.g., main.yml, ci.yaml)'),
      ref: z.string().min(1).describe('The git reference for the workflow. The reference can be a branch or tag name.'),
      inputs: z.record(z.string(), z.unknown()).optional().describe('Inputs the workflow accepts'),
      idempotencyKey: idempotencyKeyArg,
    },
    annotations: DESTRUCTIVE,
    async run(args) {
      const numeric = /^\d+$/.test(args.workflow_id);
      const { replayed } = await ctx.idempotency.once(
        'actions_run_trigger',
        args.idempotencyKey,
        async () => undefined,
        async () => {
          const res = await ctx.octokit.rest.actions.createWorkflowDispatch({
            owner: args.owner,
            repo: args.repo,
            workflow_id: numeric ? Number(args.workflow_id) : args.workflow_id,
            ref: args.ref,
            ...(args.inputs ? { inputs: args.inputs } : {}),
          });
          return res.status;
        },
      );
      return {
        method: 'run_workflow',
        dispatch: {
          workflow_id: args.workflow_id,
          workflow_type: numeric ? 'workflow_id' : 'workflow_file',
          ref: args.ref,
          inputs: args.inputs ?? null,
          status: '204 No Content',
          status_code: 204,
          message: replayed ? 'Workflow dispatch already sent for this idempotency key' : 'Workflow run has been queued',
        },
        ...(replayed ? { idempotentReplay: true } : {}),
      };
    },
  });
}
