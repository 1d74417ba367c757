import type { ForgeContext } from './context.js';
import type { CommentRecord, IssueRecord, PullRecord, StatusRecord } from './state.js';
import { userJson } from './shapes-git.js';

// GitHub JSON for repository, pull requests, issues and comments.

/** The repository object (`GET /repos/{owner}/{repo}`, and `head.repo` / `base.repo` of a PR). */
export function repoJson(ctx: ForgeContext): Record<string, unknown> {
  return {
    id: 1,
    node_id: Buffer.from(`Repository:${ctx.owner}/${ctx.repo}`).toString('base64'),
    name: ctx.repo,
    full_name: `${ctx.owner}/${ctx.repo}`,
    owner: userJson(ctx, ctx.owner),
    private: true,
    visibility: 'private',
    fork: false,
    archived: false,
    disabled: false,
    description: 'firebreak lab forge',
    url: ctx.repoApi,
    html_url: ctx.htmlBase,
    clone_url: `${ctx.htmlBase}.git`,
    default_branch: ctx.defaultBranch,
    permissions: { admin: true, maintain: true, push: true, triage: true, pull: true },
    allow_merge_commit: true,
    allow_squash_merge: true,
    allow_rebase_merge: true,
  };
}

/** Live facts about a PR computed from git at request time. */
export interface PullLive {
  readonly headSha: string;
  readonly baseSha: string;
  /** null while unknown, like GitHub before its background job runs. */
  readonly mergeable: boolean | null;
  readonly mergeableState: 'clean' | 'dirty' | 'draft' | 'unknown';
  readonly commits: number;
  readonly additions: number;
  readonly deletions: number;
  readonly changedFiles: number;
}

function branchJson(ctx: ForgeContext, ref: string, sha: string): Record<string, unknown> {
  return { label: `${ctx.owner}:${ref}`, ref, sha, user: userJson(ctx, ctx.owner), repo: repoJson(ctx) };
}

/** A pull request (`/pulls/{n}`); `live` adds the fields only the single-PR endpoint returns. */
export function pullJson(ctx: ForgeContext, pr: PullRecord, live: PullLive, full: boolean): Record<string, unknown> {
  const url = `${ctx.repoApi}/pulls/${pr.number}`;
  const html = `${ctx.htmlBase}/pull/${pr.number}`;
  const json: Record<string, unknown> = {
    url,
    id: pr.id,
    node_id: Buffer.from(`PullRequest:${pr.id}`).toString('base64'),
    html_url: html,
    diff_url: `${html}.diff`,
    patch_url: `${html}.patch`,
    issue_url: `${ctx.repoApi}/issues/${pr.number}`,
    commits_url: `${url}/commits`,
    comments_url: `${ctx.repoApi}/issues/${pr.number}/comments`,
    statuses_url: `${ctx.repoApi}/statuses/${live.headSha}`,
    number: pr.number,
    state: pr.state,
    locked: false,
    title: pr.title,
    body: pr.body,
    user: userJson(ctx, pr.user),
    labels: [],
    draft: pr.draft,
    created_at: pr.createdAt,
    updated_at: pr.updatedAt,
    closed_at: pr.closedAt,
    merged_at: pr.mergedAt,
    merge_commit_sha: pr.mergeCommitSha,
    head: branchJson(ctx, pr.head, live.headSha),
    base: branchJson(ctx, pr.base, live.baseSha),
    author_association: 'OWNER',
  };
  if (!full) return json;
  return {
    ...json,
    merged: pr.merged,
    mergeable: live.mergeable,
    mergeable_state: live.mergeableState,
    merged_by: pr.merged ? userJson(ctx, ctx.login) : null,
    comments: ctx.state.comments.get(pr.number)?.length ?? 0,
    review_comments: 0,
    maintainer_can_modify: false,
    commits: live.commits,
    additions: live.additions,
    deletions: live.deletions,
    changed_files: live.changedFiles,
  };
}

/** An issue (`/issues/{n}`). Pull requests listed as issues carry a `pull_request` link, as on GitHub. */
export function issueJson(ctx: ForgeContext, issue: IssueRecord | PullRecord): Record<string, unknown> {
  const isPull = 'head' in issue;
  const url = `${ctx.repoApi}/issues/${issue.number}`;
  return {
    url,
    id: issue.id,
    node_id: Buffer.from(`Issue:${issue.id}`).toString('base64'),
    html_url: `${ctx.htmlBase}/${isPull ? 'pull' : 'issues'}/${issue.number}`,
    comments_url: `${url}/comments`,
    number: issue.number,
    state: issue.state,
    state_reason: isPull ? null : issue.stateReason,
    title: issue.title,
    body: issue.body,
    user: userJson(ctx, issue.user),
    labels: isPull ? [] : issue.labels.map((name, i) => ({ id: i + 1, name, color: 'ededed', default: false, description: null })),
    assignees: isPull ? [] : issue.assignees.map((login) => userJson(ctx, login)),
    assignee: isPull || !issue.assignees[0] ? null : userJson(ctx, issue.assignees[0]),
    locked: false,
    comments: ctx.state.comments.get(issue.number)?.length ?? 0,
    created_at: issue.createdAt,
    updated_at: issue.updatedAt,
    closed_at: issue.closedAt,
    author_association: 'OWNER',
    ...(isPull ? { pull_request: { url: `${ctx.repoApi}/pulls/${issue.number}`, html_url: `${ctx.htmlBase}/pull/${issue.number}`, merged_at: issue.mergedAt } } : {}),
  };
}

/** An issue or PR comment. */
export function commentJson(ctx: ForgeContext, c: CommentRecord): Record<string, unknown> {
  return {
    id: c.id,
    node_id: Buffer.from(`IssueComment:${c.id}`).toString('base64'),
    url: `${ctx.repoApi}/issues/comments/${c.id}`,
    html_url: `${ctx.htmlBase}/issues/${c.number}#issuecomment-${c.id}`,
    issue_url: `${ctx.repoApi}/issues/${c.number}`,
    body: c.body,
    user: userJson(ctx, c.user),
    created_at: c.createdAt,
    updated_at: c.createdAt,
    author_association: 'OWNER',
  };
}

/** A commit status. */
export function statusJson(ctx: ForgeContext, s: StatusRecord): Record<string, unknown> {
  return {
    id: s.id,
    node_id: Buffer.from(`StatusContext:${s.id}`).toString('base64'),
    url: `${ctx.repoApi}/statuses/${s.sha}`,
    state: s.state,
    context: s.context,
    description: s.description,
    target_url: s.targetUrl,
    created_at: s.createdAt,
    updated_at: s.createdAt,
    creator: userJson(ctx, ctx.login),
  };
}
