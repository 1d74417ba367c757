import { z } from 'zod';
import type { ForgeContext } from '../context.js';
import { ForgeHttpError, parseBody, unprocessable } from '../errors.js';
import { diffFiles, unifiedDiff } from '../git-diff.js';
import { countCommits, logCommits, readCommit, type LogFilter } from '../git-history.js';
import { requireRef, resolveRef } from '../lookup.js';
import { linkHeader, pageOf, paged, route, type ForgeRequest, type Route } from '../router.js';
import { commitJson } from '../shapes-git.js';
import { statusJson } from '../shapes-issues.js';
import { now, type CheckRunRecord, type StatusRecord } from '../state.js';

const CreateStatus = z.object({
  state: z.enum(['error', 'failure', 'pending', 'success']),
  context: z.string().optional(),
  description: z.string().nullable().optional(),
  target_url: z.string().nullable().optional(),
});

const CreateCheckRun = z.object({
  name: z.string().min(1),
  head_sha: z.string().min(1),
  status: z.enum(['queued', 'in_progress', 'completed']).optional(),
  conclusion: z.enum(['success', 'failure', 'neutral', 'cancelled', 'skipped', 'timed_out', 'action_required']).optional(),
});

async function listCommits(req: ForgeRequest, ctx: ForgeContext) {
  const ref = req.query.get('sha') || ctx.defaultBranch;
  const from = await resolveRef(ctx, ref);
  if (!from) throw new ForgeHttpError(404, `No commit found for SHA: ${ref}`);
  const filter: LogFilter = {
    from,
    ...(req.query.get('author') ? { author: req.query.get('author') ?? '' } : {}),
    ...(req.query.get('since') ? { since: req.query.get('since') ?? '' } : {}),
    ...(req.query.get('until') ? { until: req.query.get('until') ?? '' } : {}),
    ...(req.query.get('path') ? { path: req.query.get('path') ?? '' } : {}),
  };
  const { page, perPage } = pageOf(req.query);
  const [commits, total] = await Promise.all([logCommits(ctx.git, filter, (page - 1) * perPage, perPage), countCommits(ctx.git, filter)]);
  const link = linkHeader(req.url, page, perPage, total);
  return { status: 200, body: commits.map((c) => commitJson(ctx, c)), ...(link ? { headers: { link } } : {}) };
}

async function getCommit(req: ForgeRequest, ctx: ForgeContext) {
  const sha = await requireRef(ctx, req.params.ref ?? '');
  const commit = await readCommit(ctx.git, sha);
  // Root commits diff against the empty tree, like GitHub shows every file as added.
  const from = commit.parents[0] ?? (await ctx.git.text(['hash-object', '-t', 'tree', '/dev/null']));
  if (/diff/.test(String(req.headers.accept ?? ''))) return { status: 200, text: await unifiedDiff(ctx.git, from, sha) };
  return { status: 200, body: commitJson(ctx, commit, await diffFiles(ctx.git, from, sha)) };
}

/** Latest status per context for a commit, newest first. */
function latestStatuses(ctx: ForgeContext, sha: string): StatusRecord[] {
  const seen = new Set<string>();
  const latest: StatusRecord[] = [];
  for (const s of [...ctx.state.statuses].reverse()) {
    if (s.sha !== sha || seen.has(s.context)) continue;
    seen.add(s.context);
    latest.push(s);
  }
  return latest;
}

/** GitHub's combined state: failure beats pending beats success; no statuses at all is "pending". */
export function combinedState(statuses: readonly StatusRecord[]): 'failure' | 'pending' | 'success' {
  if (statuses.some((s) => s.state === 'error' || s.state === 'failure')) return 'failure';
  if (statuses.length === 0 || statuses.some((s) => s.state === 'pending')) return 'pending';
  return 'success';
}

async function combinedStatus(req: ForgeRequest, ctx: ForgeContext) {
  const sha = await requireRef(ctx, req.params.ref ?? '');
  const statuses = latestStatuses(ctx, sha);
  return {
    status: 200,
    body: {
      state: combinedState(statuses),
      statuses: statuses.map((s) => statusJson(ctx, s)),
      sha,
      total_count: statuses.length,
      commit_url: `${ctx.repoApi}/commits/${sha}`,
      url: `${ctx.repoApi}/commits/${sha}/status`,
    },
  };
}

async function listStatuses(req: ForgeRequest, ctx: ForgeContext) {
  const sha = await requireRef(ctx, req.params.ref ?? '');
  return paged(req, [...ctx.state.statuses].reverse().filter((s) => s.sha === sha).map((s) => statusJson(ctx, s)));
}

async function createStatus(req: ForgeRequest, ctx: ForgeContext) {
  const body = parseBody(CreateStatus, req.body, 'Status');
  const sha = req.params.sha ?? '';
  if ((await ctx.git.objectType(sha)) !== 'commit') throw unprocessable(`No commit found for SHA: ${sha}`);
  const full = (await ctx.git.resolveCommit(sha)) ?? sha;
  const record: StatusRecord = { id: ctx.state.nextId(), sha: full, state: body.state, context: body.context ?? 'default', description: body.description ?? null, targetUrl: body.target_url ?? null, createdAt: now() };
  ctx.state.statuses.push(record);
  ctx.events.record({ type: 'status.created', sha: full, context: record.context, state: record.state });
  return { status: 201, body: statusJson(ctx, record) };
}

function checkRunJson(ctx: ForgeContext, r: CheckRunRecord): Record<string, unknown> {
  return {
    id: r.id,
    head_sha: r.headSha,
    name: r.name,
    status: r.status,
    conclusion: r.conclusion,
    started_at: r.startedAt,
    completed_at: r.completedAt,
    url: `${ctx.repoApi}/check-runs/${r.id}`,
    html_url: `${ctx.htmlBase}/runs/${r.id}`,
    details_url: `${ctx.htmlBase}/runs/${r.id}`,
    output: { title: null, summary: null, text: null, annotations_count: 0 },
    app: null,
  };
}

async function listCheckRuns(req: ForgeRequest, ctx: ForgeContext) {
  const sha = await requireRef(ctx, req.params.ref ?? '');
  const runs = ctx.state.checkRuns.filter((r) => r.headSha === sha).map((r) => checkRunJson(ctx, r));
  const { page, perPage } = pageOf(req.query);
  return { status: 200, body: { total_count: runs.length, check_runs: runs.slice((page - 1) * perPage, page * perPage) } };
}

async function createCheckRun(req: ForgeRequest, ctx: ForgeContext) {
  const body = parseBody(CreateCheckRun, req.body, 'CheckRun');
  const headSha = await ctx.git.resolveCommit(body.head_sha);
  if (!headSha) throw unprocessable(`No commit found for SHA: ${body.head_sha}`);
  const completed = body.conclusion !== undefined || body.status === 'completed';
  const at = now();
  const record: CheckRunRecord = { id: ctx.state.nextId(), headSha, name: body.name, status: completed ? 'completed' : (body.status ?? 'queued'), conclusion: body.conclusion ?? null, startedAt: at, completedAt: completed ? at : null };
  ctx.state.checkRuns.push(record);
  return { status: 201, body: checkRunJson(ctx, record) };
}

/** Commit history, single commits, commit statuses and check runs. */
export const commitRoutes: Route[] = [
  route('GET', '/commits', listCommits),
  route('GET', '/commits/*ref/status', combinedStatus),
  route('GET', '/commits/*ref/statuses', listStatuses),
  route('GET', '/commits/*ref/check-runs', listCheckRuns),
  route('GET', '/commits/*ref', getCommit),
  route('POST', '/statuses/:sha', createStatus),
  route('POST', '/check-runs', createCheckRun),
];
