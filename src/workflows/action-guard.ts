import { globToRegExp } from '../personas/allowlist.js';
import { guardRefused } from './approval-gate.js';
import type { ToolCallOptions, ToolResult, ToolSet } from '../tools/types.js';
import { describeRelease, type ReleaseRef } from './changes.js';
import type { DevopsAction } from './outputs.js';
import { toolData } from './tool-data.js';

/**
 * What the devops persona may do for the one action the workflow asked of it — code between the persona and
 * the deploy/GitHub tools:
 * - merge only the incident's own pull request;
 * - deploy only the commit that merge produced;
 * - roll back only to the release the workflow chose (the last known-good one, or the pre-incident one when
 *   restoring): never "the previous release", which after a failed fix-forward is the bad release itself.
 * - and nothing of the others: a rollback step merges and deploys nothing, a deploy step rolls nothing back.
 * Maintenance mode is the approval gate's business too (it always needs a human).
 */

export interface ActionScope {
  /** The one action the workflow asked for; the tools of the other actions are refused. Unset: any of them. */
  action?: DevopsAction;
  /** The pull request this incident opened. */
  pullRequest?: number;
  /** Where it lives: to read its merge commit when this process did not see the merge (a resumed run). */
  repository?: { owner: string; repo: string };
  /** Where a rollback must go. */
  rollbackTo?: ReleaseRef;
}

const MERGE = globToRegExp('*.merge_pull_request');
const DEPLOY = globToRegExp('*.deploy_service');
const ROLLBACK = globToRegExp('*.rollback');
const MAINTENANCE = globToRegExp('*.maintenance_mode');
const ACTION_TOOLS: Record<DevopsAction, RegExp[]> = { deploy: [MERGE, DEPLOY], rollback: [ROLLBACK], maintenance: [MAINTENANCE] };
const LABEL: Record<DevopsAction, string> = { deploy: 'fix deploy', rollback: 'rollback', maintenance: 'maintenance mode' };

/** The action whose tools `name` belongs to, if any. */
function actionOf(name: string): DevopsAction | undefined {
  return (Object.keys(ACTION_TOOLS) as DevopsAction[]).find((a) => ACTION_TOOLS[a].some((re) => re.test(name)));
}

export function guardActions(inner: ToolSet, scope: ActionScope): ToolSet {
  const merged = new Set<string>();
  return {
    list: () => inner.list(),
    async call(name: string, args: Record<string, unknown>, opts: ToolCallOptions = {}): Promise<ToolResult> {
      const refuse = (reason: string): ToolResult => refused(opts, name, reason, 'action');
      const belongs = actionOf(name);
      if (scope.action && belongs && belongs !== scope.action) {
        return refuse(`the workflow asked for the ${LABEL[scope.action]} only; ${name} belongs to the ${LABEL[belongs]}`);
      }
      if (MERGE.test(name) && Number(args.pullNumber) !== scope.pullRequest) {
        return refuse(scope.pullRequest === undefined ? 'this incident opened no pull request: nothing may be merged' : `only this incident's pull request #${scope.pullRequest} may be merged, not #${String(args.pullNumber)}`);
      }
      if (DEPLOY.test(name) && !merged.has(String(args.ref))) {
        // A resumed run replays its merge from the journal: ask GitHub what the pull request was merged as.
        const sha = await mergeCommit(inner, scope, opts);
        if (sha) merged.add(sha);
        if (!merged.has(String(args.ref))) {
          return refuse(merged.size === 0 ? 'deploy the merge commit of this incident\'s pull request: merge it first' : `deploy the merge commit (${[...merged].join(', ')}), not '${String(args.ref)}'`);
        }
      }
      if (ROLLBACK.test(name) && !rollbackAllowed(args.to, scope.rollbackTo)) {
        // A release known only by version or ref cannot be named to the deployer (it takes an id or a revision).
        const nameable = scope.rollbackTo && (scope.rollbackTo.releaseId || scope.rollbackTo.revision);
        return refuse(scope.rollbackTo && nameable
          ? `roll back only to ${describeRelease(scope.rollbackTo)}: call it with to: "${target(scope.rollbackTo)}"${args.to === undefined ? ' (without `to`, the deployer picks the newest other release, which may be the bad one)' : ''}`
          : scope.rollbackTo
            ? `the known-good release ${describeRelease(scope.rollbackTo)} has no release id or revision the deployer can roll back to: there is nothing safe to roll back to`
            : 'no known-good release is known for this incident: there is nothing safe to roll back to');
      }
      const result = await inner.call(name, args, opts);
      if (MERGE.test(name) && !result.isError) {
        const sha = toolData(result).sha;
        if (typeof sha === 'string' && sha) merged.add(sha);
      }
      return result;
    },
  };
}

/** The merge commit of the incident's pull request, as GitHub reports it; undefined when not merged or unknown. */
async function mergeCommit(tools: ToolSet, scope: ActionScope, opts: ToolCallOptions): Promise<string | undefined> {
  const tool = 'github.pull_request_read';
  if (scope.pullRequest === undefined || !scope.repository || !tools.list().some((t) => t.name === tool)) return undefined;
  const result = await tools.call(tool, { method: 'get', ...scope.repository, pullNumber: scope.pullRequest }, opts);
  if (result.isError) return undefined;
  const pr = toolData(result) as { merged?: unknown; merge_commit_sha?: unknown };
  return pr.merged === true && typeof pr.merge_commit_sha === 'string' && pr.merge_commit_sha ? pr.merge_commit_sha : undefined;
}

/** What to pass as `to`: the release id when known, else the revision. */
export function target(r: ReleaseRef): string {
  return r.releaseId ?? r.revision ?? r.ref ?? '';
}

function rollbackAllowed(to: unknown, allowed: ReleaseRef | undefined): boolean {
  if (!allowed || typeof to !== 'string' || to.trim() === '') return false;
  const t = to.trim().toLowerCase();
  if (allowed.releaseId && t === allowed.releaseId.toLowerCase()) return true;
  return allowed.revision !== undefined && t.length >= 7 && allowed.revision.toLowerCase().startsWith(t);
}

function refusal(reason: string): ToolResult {
  return { isError: true, content: [{ type: 'text', text: `refused: ${reason}.` }], structuredContent: { refusedByActionGuard: true, reason } };
}

/** The refusal as the persona sees it, and as the timeline records it ('tool.refused'). */
function refused(opts: ToolCallOptions, tool: string, reason: string, guard: string): ToolResult {
  return guardRefused(opts, tool, reason, guard, refusal(reason));
}
