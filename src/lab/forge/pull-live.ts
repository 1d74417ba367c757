import type { ForgeContext } from './context.js';
import { diffFiles, type FileChange } from './git-diff.js';
import { branchTip } from './lookup.js';
import type { PullLive } from './shapes-issues.js';
import { now, type PullRecord } from './state.js';

/** Head and base shas of a PR: live branch tips while open, frozen once closed. */
export async function pullTips(ctx: ForgeContext, pr: PullRecord): Promise<{ headSha: string; baseSha: string }> {
  const headSha = pr.frozenHeadSha ?? (await branchTip(ctx, pr.head)) ?? '';
  const baseSha = pr.frozenBaseSha ?? (await branchTip(ctx, pr.base)) ?? '';
  return { headSha, baseSha };
}

/**
 * The files a PR changes: head against the merge base (GitHub's three-dot diff), so later commits on
 * base do not show up as reverse changes.
 */
export async function pullFiles(ctx: ForgeContext, pr: PullRecord): Promise<{ from: string; to: string; files: FileChange[] }> {
  const { headSha, baseSha } = await pullTips(ctx, pr);
  if (!headSha || !baseSha) return { from: baseSha, to: headSha, files: [] };
  // Once merged the base contains head, so the merge base would be head itself: diff from the base as it was.
  const from = pr.merged ? baseSha : ((await ctx.git.mergeBase(baseSha, headSha)) ?? baseSha);
  return { from, to: headSha, files: await diffFiles(ctx.git, from, headSha) };
}

/** Everything the single-PR endpoint reports that depends on git: stats and mergeability. */
export async function pullLive(ctx: ForgeContext, pr: PullRecord, detailed: boolean): Promise<PullLive> {
  const { headSha, baseSha } = await pullTips(ctx, pr);
  const shallow: PullLive = { headSha, baseSha, mergeable: null, mergeableState: 'unknown', commits: 0, additions: 0, deletions: 0, changedFiles: 0 };
  if (!detailed || !headSha || !baseSha) return shallow;
  const { files, from } = await pullFiles(ctx, pr);
  const commits = Number(await ctx.git.text(['rev-list', '--count', `${from}..${headSha}`]));
  const stats = {
    commits,
    additions: files.reduce((n, f) => n + f.additions, 0),
    deletions: files.reduce((n, f) => n + f.deletions, 0),
    changedFiles: files.length,
  };
  if (pr.state === 'closed') return { ...shallow, ...stats };
  const mergeable = (await ctx.git.mergeTrees(baseSha, headSha)) !== undefined;
  const mergeableState = !mergeable ? 'dirty' : pr.draft ? 'draft' : 'clean';
  return { headSha, baseSha, mergeable, mergeableState, ...stats };
}

/** Closes an open PR without merging: freezes its tips (so it keeps its diff) and records the event. */
export async function closePull(ctx: ForgeContext, pr: PullRecord): Promise<void> {
  const tips = await pullTips(ctx, pr);
  pr.frozenHeadSha = tips.headSha;
  pr.frozenBaseSha = tips.baseSha;
  pr.state = 'closed';
  pr.closedAt = now();
  ctx.events.record({ type: 'pull_request.closed', number: pr.number });
}

/** Reopens a closed, unmerged PR; false if it was merged (GitHub refuses). */
export function reopenPull(pr: PullRecord): boolean {
  if (pr.merged) return false;
  Object.assign(pr, { state: 'open', closedAt: null, frozenHeadSha: null, frozenBaseSha: null });
  return true;
}
