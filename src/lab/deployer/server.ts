import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { redactJson } from '../../security/redact.js';
import { fail, ok } from '../../tools/servers/result.js';
import { DeployerStoppedError, RollbackTargetError, UnknownRefError } from './errors.js';
import type { DeployerControl, Rollout } from './types.js';

/** The name the lab registers this server under: tools are then `deploy.deploy_service` etc. */
export const DEPLOYER_SERVER_NAME = 'deploy';

const DESTRUCTIVE = { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false } as const;
const READ_ONLY = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false } as const;

const ref = z
  .string()
  .min(1)
  .max(200)
  .refine((s) => !s.startsWith('-') && !/[\s\0]/.test(s), 'a branch, tag or commit sha (no spaces, not starting with "-")')
  .describe('What to deploy: a branch (e.g. "main"), a tag or a commit sha of the service repository');
const reason = z.string().max(500).optional().describe('Why, for the rollout record (e.g. "hotfix PR #3: pool size 50")');

/** A rollout as the model should see it: the outcome first, the failure evidence when there is one. */
function rolloutResult(rollout: Rollout): CallToolResult {
  const value = redactJson({ ...rollout }) as unknown as Record<string, unknown>;
  if (rollout.outcome === 'succeeded') return ok({ rollout: value });
  const evidence = [rollout.stderrTail && `--- service stderr (tail) ---\n${rollout.stderrTail}`, rollout.logTail && `--- service log (tail) ---\n${rollout.logTail}`].filter(Boolean).join('\n');
  const text = `${rollout.kind} of ${rollout.ref} (${rollout.revision.slice(0, 7)}) FAILED: ${rollout.error ?? 'unknown error'}. The release stays deployed and is being restarted with backoff; nothing was rolled back.${evidence ? `\n${evidence}` : ''}`;
  return { content: [{ type: 'text', text }, { type: 'text', text: JSON.stringify({ rollout: value }) }], structuredContent: { rollout: value }, isError: true };
}

/** Expected failures (unknown ref, nothing to roll back to) are results the model can act on; the rest propagate. */
async function guarded(run: () => Promise<CallToolResult>): Promise<CallToolResult> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof UnknownRefError || err instanceof RollbackTargetError || err instanceof DeployerStoppedError) return fail(err.message);
    throw err;
  }
}

/**
 * Builds the `deploy` MCP server over a lab's deployer: `deploy_service`, `rollback`, `rollout_status` and
 * `maintenance_mode`. Cheap: call once per session. A failed rollout is an `isError` result carrying the
 * rollout record and the service's stderr/log tail, so the model sees why; it is not rolled back.
 */
export function createDeployerServer(control: DeployerControl, options: { name?: string; version?: string } = {}): McpServer {
  const server = new McpServer(
    { name: options.name ?? 'firebreak-deploy', version: options.version ?? '0.1.0' },
    { instructions: 'Deploy, roll back and inspect the service. Deploys take a ref of the service repository; every rollout is recorded. Nothing is rolled back automatically.' },
  );

  server.registerTool(
    'deploy_service',
    {
      title: 'Deploy the service',
      description:
        'Deploys a ref of the service repository: exports it, restarts the service with its service.config.json and health-checks /healthz. ' +
        'Returns the rollout record. A release that fails to start is reported as failed (with the service stderr/log tail) and keeps crash-looping; use rollback to restore the previous release.',
      inputSchema: { ref, reason },
      annotations: { title: 'Deploy the service', ...DESTRUCTIVE },
    },
    async (args) => guarded(async () => rolloutResult(await control.deploy(args.ref, { trigger: 'tool', ...(args.reason ? { reason: args.reason } : {}) }))),
  );

  server.registerTool(
    'rollback',
    {
      title: 'Roll back the service',
      description: 'Redeploys the previous healthy release (or the release `to` names: a release id like "r1" or a revision prefix of 7+ characters). Returns the rollout record.',
      inputSchema: { to: z.string().min(1).max(64).optional().describe('Release id (e.g. "r1") or revision prefix; default: the previous healthy release'), reason },
      annotations: { title: 'Roll back the service', ...DESTRUCTIVE },
    },
    async (args) => guarded(async () => rolloutResult(await control.rollback({ trigger: 'tool', ...(args.to ? { to: args.to } : {}), ...(args.reason ? { reason: args.reason } : {}) }))),
  );

  server.registerTool(
    'rollout_status',
    {
      title: 'Rollout status',
      description: 'The running release (ref, revision, version, state, restarts, live /healthz), maintenance mode, and the history of rollouts with timestamps and outcomes (newest first).',
      inputSchema: { limit: z.number().int().min(1).max(100).optional().describe('How many rollouts of history to return (default 20)') },
      annotations: { title: 'Rollout status', ...READ_ONLY },
    },
    async (args) => guarded(async () => ok(redactJson(await control.status({ historyLimit: args.limit ?? 20 })) as unknown as Record<string, unknown>)),
  );

  server.registerTool(
    'maintenance_mode',
    {
      title: 'Maintenance mode',
      description: 'Turns maintenance mode on or off. While on, the ingress answers every request with 503 at once (the service gets no traffic); turn it off to serve again.',
      inputSchema: { enabled: z.boolean().describe('true to shed all traffic with 503, false to serve again'), reason },
      annotations: { title: 'Maintenance mode', ...DESTRUCTIVE },
    },
    async (args) => guarded(async () => ok({ maintenance: await control.setMaintenance(args.enabled, { trigger: 'tool', ...(args.reason ? { reason: args.reason } : {}) }) })),
  );

  return server;
}
