import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult, RequestMeta } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { redactJson } from '../../security/redact.js';
import { fail, ok } from '../../tools/servers/result.js';
import { DeployerStoppedError, IdempotencyConflictError, IdempotencyStoreError, InvalidIdempotencyKeyError, RollbackTargetError, UnknownRefError } from './errors.js';
import { IDEMPOTENCY_KEY } from './idempotency.js';
import type { DeployerControl, DeploymentStatus, Rollout } from './types.js';

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
const idempotencyKey = z
  .string()
  .regex(IDEMPOTENCY_KEY, 'use 1-200 characters from A-Z a-z 0-9 . _ : / @ + -')
  .optional()
  .describe('Stable key for this action: repeating a call with the same key returns the recorded outcome instead of acting twice');

/** The call's idempotency key: the argument, else the request's `_meta.idempotencyKey` (where MCP hosts put it). */
function keyOf(arg: string | undefined, meta: RequestMeta | undefined): string | undefined {
  if (arg !== undefined) return arg;
  const key = meta?.['idempotencyKey'];
  if (key === undefined) return undefined;
  if (typeof key !== 'string' || !IDEMPOTENCY_KEY.test(key)) throw new InvalidIdempotencyKeyError('_meta.idempotencyKey');
  return key;
}

/**
 * Who started a rollout, as a responder may see it: the service's release pipeline (the lab's own setup and
 * the team's releases alike) or a call of this server's tools. The lab's bookkeeping (`lab`, `fault`) would
 * tell a responder which release is the injected fault, so it never leaves the deployer.
 */
export type RolloutInitiator = 'release-pipeline' | 'deploy-tool';

const initiator = (trigger: Rollout['trigger']): RolloutInitiator => (trigger === 'tool' ? 'deploy-tool' : 'release-pipeline');

/** A rollout record as the tools show it: `triggeredBy` instead of the lab's trigger, and (in the history) `liveUntil`. */
function publicRollout(rollout: Rollout, extra: { liveUntil?: string | null } = {}): Record<string, unknown> {
  const { trigger, ...rest } = rollout;
  return { ...rest, triggeredBy: initiator(trigger), ...extra };
}

/**
 * `rollout_status`: the current release and the history, each rollout with when its release stopped being
 * live (`liveUntil`: the start of the next rollout; null for the live one), so a responder can tell which
 * release was live, and for how long, before an incident began.
 */
function publicStatus(status: DeploymentStatus): Record<string, unknown> {
  const history = status.history.map((r, i) => publicRollout(r, { liveUntil: i === 0 ? null : (status.history[i - 1]?.startedAt ?? null) }));
  const maintenanceHistory = status.maintenanceHistory.map(({ trigger, ...m }) => ({ ...m, triggeredBy: initiator(trigger) }));
  return { ...status, history, maintenanceHistory };
}

/** One line, for headlines that end up in exception messages and logs. */
const oneLine = (text: string): string => text.replace(/\s+/g, ' ').trim();

/**
 * A rollout as the model should see it: the outcome first, the failure evidence when there is one. A failure's
 * first line names kind, ref, revision and reason and nothing else (it is what a summary or an exception quotes);
 * the stderr/log tails follow once, and the JSON block leaves them out (they are in structuredContent).
 */
function rolloutResult(rollout: Rollout): CallToolResult {
  const value = redactJson(publicRollout(rollout));
  if (rollout.outcome === 'succeeded') return ok({ rollout: value });
  const evidence = [rollout.stderrTail && `--- service stderr (tail) ---\n${rollout.stderrTail}`, rollout.logTail && `--- service log (tail) ---\n${rollout.logTail}`].filter(Boolean).join('\n');
  const replay = rollout.replayed ? ` (rollout ${rollout.id}, recorded earlier under this idempotency key: not run again)` : '';
  const headline = `${rollout.kind} of ${rollout.ref} (${rollout.revision.slice(0, 7)}) FAILED${replay}: ${oneLine(rollout.error ?? 'unknown error')}. The release stays deployed and is being restarted with backoff; nothing was rolled back.`;
  const { stderrTail: _stderr, logTail: _log, ...brief } = value;
  return { content: [{ type: 'text', text: evidence ? `${headline}\n${evidence}` : headline }, { type: 'text', text: JSON.stringify({ rollout: brief }) }], structuredContent: { rollout: value }, isError: true };
}

/** Expected failures (unknown ref, nothing to roll back to) are results the model can act on; the rest propagate. */
async function guarded(run: () => Promise<CallToolResult>): Promise<CallToolResult> {
  try {
    return await run();
  } catch (err) {
    if (
      err instanceof UnknownRefError ||
      err instanceof RollbackTargetError ||
      err instanceof DeployerStoppedError ||
      err instanceof IdempotencyConflictError ||
      err instanceof InvalidIdempotencyKeyError ||
      err instanceof IdempotencyStoreError
    ) {
      return fail(err.message);
    }
    throw err;
  }
}

/**
 * Builds the `deploy` MCP server over a lab's deployer: `deploy_service`, `rollback`, `rollout_status` and
 * `maintenance_mode`. Cheap: call once per session. A failed rollout is an `isError` result carrying the
 * rollout record and the service's stderr/log tail, so the model sees why; it is not rolled back.
 *
 * Exactly once: `deploy_service`, `rollback` and `maintenance_mode` take an optional `idempotencyKey` (the
 * tool host fills it in from the calling step; without it, `_meta.idempotencyKey` is used). A repeat with the
 * same key answers with the recorded rollout / maintenance state marked `replayed: true` and acts not again;
 * a repeat while the first is running waits for it; the same key with another ref, `to` or `enabled` is an
 * error naming the conflict. Keys are kept by the deployer (see `DeployKeys`), so they hold across sessions
 * and restarts.
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
      inputSchema: { ref, reason, idempotencyKey },
      annotations: { title: 'Deploy the service', ...DESTRUCTIVE },
    },
    async (args, extra) =>
      guarded(async () => {
        const key = keyOf(args.idempotencyKey, extra._meta);
        return rolloutResult(await control.deploy(args.ref, { trigger: 'tool', ...(args.reason ? { reason: args.reason } : {}), ...(key ? { idempotencyKey: key } : {}) }));
      }),
  );

  server.registerTool(
    'rollback',
    {
      title: 'Roll back the service',
      description: 'Redeploys the previous healthy release (or the release `to` names: a release id like "r1" or a revision prefix of 7+ characters). Returns the rollout record.',
      inputSchema: { to: z.string().min(1).max(64).optional().describe('Release id (e.g. "r1") or revision prefix; default: the previous healthy release'), reason, idempotencyKey },
      annotations: { title: 'Roll back the service', ...DESTRUCTIVE },
    },
    async (args, extra) =>
      guarded(async () => {
        const key = keyOf(args.idempotencyKey, extra._meta);
        return rolloutResult(await control.rollback({ trigger: 'tool', ...(args.to ? { to: args.to } : {}), ...(args.reason ? { reason: args.reason } : {}), ...(key ? { idempotencyKey: key } : {}) }));
      }),
  );

  server.registerTool(
    'rollout_status',
    {
      title: 'Rollout status',
      description:
        'The running release (ref, revision, version, state, restarts, live /healthz), maintenance mode and its switches, and the history of rollouts (newest first): ' +
        'each with its release id, revision and version, the previous release, start/finish times, outcome, who triggered it, and liveUntil (when the next rollout replaced it; null while live).',
      inputSchema: { limit: z.number().int().min(1).max(100).optional().describe('How many rollouts of history to return (default 20)') },
      annotations: { title: 'Rollout status', ...READ_ONLY },
    },
    async (args) => guarded(async () => ok(redactJson(publicStatus(await control.status({ historyLimit: args.limit ?? 20 }))))),
  );

  server.registerTool(
    'maintenance_mode',
    {
      title: 'Maintenance mode',
      description: 'Turns maintenance mode on or off. While on, the ingress answers every request with 503 at once (the service gets no traffic); turn it off to serve again.',
      inputSchema: { enabled: z.boolean().describe('true to shed all traffic with 503, false to serve again'), reason, idempotencyKey },
      annotations: { title: 'Maintenance mode', ...DESTRUCTIVE },
    },
    async (args, extra) =>
      guarded(async () => {
        const key = keyOf(args.idempotencyKey, extra._meta);
        return ok({ maintenance: await control.setMaintenance(args.enabled, { trigger: 'tool', ...(args.reason ? { reason: args.reason } : {}), ...(key ? { idempotencyKey: key } : {}) }) });
      }),
  );

  return server;
}
