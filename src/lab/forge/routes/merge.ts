import { z } from 'zod';
import type { ForgeContext } from '../context.js';
import { conflict, ForgeHttpError, parseBody } from '../errors.js';
import { GitCommandError } from '../git.js';
import { commitsBetween } from '../git-history.js';
import { branchTip } from '../lookup.js';
import { MERGE_STRATEGIES, MergeConflictError, type MergeMethod } from '../merge-strategies.js';
import { route, type ForgeRequest, type Route } from '../router.js';
import { now, type PullRecord } from '../state.js';
import { requirePull } from './pulls.js';

const MergeBody = z.object({
  commit_title: z.string().optional(),
  commit_message: z.string().optional(),
  sha: z.string().optional(),
  merge_method: z.enum(['merge', 'squash', 'rebase']).optional(),
});

const notMergeable = (message = 'Pull Request is not mergeable') => new ForgeHttpError(405, message);

/** GitHub's default merge and squash messages. */
async function defaultMessage(ctx: ForgeContext, pr: PullRecord, method: MergeMethod, baseSha: string, headSha: string): Promise<{ title: string; body: string }> {
  if (method === 'squash') {
    const commits = await commitsBetween(ctx.git, (await ctx.git.mergeBase(baseSha, headSha)) ?? baseSha, headSha);
    return { title: `${pr.title} (#${pr.number})`, body: commits.map((c) => `* ${c.message}`).join('\n\n') };
  }
  return { title: `Merge pull request #${pr.number} from ${ctx.owner}/${pr.head}`, body: pr.title };
}

async function mergePull(req: ForgeRequest, ctx: ForgeContext) {
  const body = parseBody(MergeBody, req.body, 'PullRequest');
  const method: MergeMethod = body.merge_method ?? 'merge';
  return ctx.writes.run(async () => {
    const pr = requirePull(ctx, req);
    if (pr.merged) throw notMergeable('Pull Request is already merged');
    if (pr.state !== 'open') throw notMergeable();
    if (pr.draft) throw notMergeable('Pull Request is still a draft');
    const headSha = await branchTip(ctx, pr.head);
    const baseSha = await branchTip(ctx, pr.base);
    if (!headSha || !baseSha) throw notMergeable();
    if (body.sha !== undefined && body.sha !== headSha) throw conflict('Head branch was modified. Review and try the merge again.');
    const defaults = await defaultMessage(ctx, pr, method, baseSha, headSha);
    const message = `${body.commit_title ?? defaults.title}\n\n${body.commit_message ?? defaults.body}`.trimEnd();
    let sha: string;
    try {
      sha = await MERGE_STRATEGIES[method](ctx.git, { baseSha, headSha, message, committer: ctx.identity });
      await ctx.git.updateRef(`refs/heads/${pr.base}`, sha, baseSha);
    } catch (error) {
      if (error instanceof MergeConflictError) throw notMergeable();
      if (error instanceof GitCommandError && error.args[0] === 'update-ref') throw conflict('Base branch was modified. Review and try the merge again.');
      throw error;
    }
    const at = now();
    Object.assign(pr, { state: 'closed', merged: true, mergedAt: at, closedAt: at, updatedAt: at, mergeCommitSha: sha, frozenHeadSha: headSha, frozenBaseSha: baseSha });
    ctx.events.record({ type: 'branch.updated', branch: pr.base, before: baseSha, after: sha, via: 'merge' });
    ctx.events.record({ type: 'pull_request.merged', number: pr.number, base: pr.base, sha, method });
    return { status: 200, body: { sha, merged: true, message: 'Pull Request successfully merged' } };
  });
}

/** PUT /pulls/{n}/merge: merge, squash or rebase into base as a real git commit. */
export const mergeRoutes: Route[] = [route('PUT', '/pulls/:number/merge', mergePull)];
