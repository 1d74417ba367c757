import { z } from 'zod';
import type { ForgeContext } from '../context.js';
import { notFound, parseBody, unprocessable } from '../errors.js';
import { commitsBetween } from '../git-history.js';
import { unifiedDiff } from '../git-diff.js';
import { branchTip, numberParam } from '../lookup.js';
import { closePull, pullFiles, pullLive, reopenPull } from '../pull-live.js';
import { paged, route, type ForgeRequest, type ForgeResponse, type Route } from '../router.js';
import { commitJson, fileJson } from '../shapes-git.js';
import { pullJson } from '../shapes-issues.js';
import { now, type PullRecord } from '../state.js';

const CreatePull = z.object({
  title: z.string().min(1),
  head: z.string().min(1),
  base: z.string().min(1),
  body: z.string().nullable().optional(),
  draft: z.boolean().optional(),
  maintainer_can_modify: z.boolean().optional(),
});

const UpdatePull = z.object({
  title: z.string().min(1).optional(),
  body: z.string().nullable().optional(),
  state: z.enum(['open', 'closed']).optional(),
  base: z.string().min(1).optional(),
});

/** The PR numbered in the path, or 404. */
export function requirePull(ctx: ForgeContext, req: ForgeRequest): PullRecord {
  const pr = ctx.state.pulls.get(numberParam(req.params.number));
  if (!pr) throw notFound();
  return pr;
}

/** `owner:branch` or `branch` -> branch, if it names this repository. */
function headBranch(ctx: ForgeContext, head: string): string | undefined {
  const colon = head.indexOf(':');
  if (colon === -1) return head;
  return head.slice(0, colon).toLowerCase() === ctx.owner.toLowerCase() ? head.slice(colon + 1) : undefined;
}

/** 422 for reopening a merged PR. */
export const cannotReopen = () => unprocessable('Validation Failed', [{ resource: 'PullRequest', code: 'custom', message: 'Cannot reopen a merged pull request' }]);

const invalidField = (field: string) => unprocessable('Validation Failed', [{ resource: 'PullRequest', field, code: 'invalid' }]);

async function createPull(req: ForgeRequest, ctx: ForgeContext) {
  const body = parseBody(CreatePull, req.body, 'PullRequest');
  const head = headBranch(ctx, body.head);
  return ctx.writes.run(async () => {
    const headSha = head ? await branchTip(ctx, head) : undefined;
    const baseSha = await branchTip(ctx, body.base);
    if (!head || !headSha) throw invalidField('head');
    if (!baseSha) throw invalidField('base');
    const duplicate = [...ctx.state.pulls.values()].find((p) => p.state === 'open' && p.head === head && p.base === body.base);
    if (duplicate) throw unprocessable('Validation Failed', [{ resource: 'PullRequest', code: 'custom', message: `A pull request already exists for ${ctx.owner}:${head}.` }]);
    if (await ctx.git.isAncestor(headSha, baseSha)) {
      throw unprocessable('Validation Failed', [{ resource: 'PullRequest', code: 'custom', message: `No commits between ${body.base} and ${head}` }]);
    }
    const at = now();
    const number = ctx.state.nextNumber();
    const pr: PullRecord = {
      number,
      id: ctx.state.nextId(),
      title: body.title,
      body: body.body ?? null,
      state: 'open',
      draft: body.draft ?? false,
      head,
      base: body.base,
      user: ctx.login,
      createdAt: at,
      updatedAt: at,
      closedAt: null,
      merged: false,
      mergedAt: null,
      mergeCommitSha: null,
      frozenHeadSha: null,
      frozenBaseSha: null,
    };
    ctx.state.pulls.set(number, pr);
    ctx.events.record({ type: 'pull_request.opened', number, title: pr.title, head, base: pr.base });
    return { status: 201, body: pullJson(ctx, pr, await pullLive(ctx, pr, true), true), headers: { location: `${ctx.repoApi}/pulls/${number}` } };
  });
}

async function listPulls(req: ForgeRequest, ctx: ForgeContext) {
  const state = req.query.get('state') ?? 'open';
  const head = req.query.get('head');
  const base = req.query.get('base');
  const sort = req.query.get('sort') ?? 'created';
  const ascending = req.query.get('direction') === 'asc';
  const pulls = [...ctx.state.pulls.values()]
    .filter((p) => state === 'all' || p.state === state)
    .filter((p) => !head || headBranch(ctx, head) === p.head)
    .filter((p) => !base || p.base === base)
    .sort((a, b) => {
      const key = sort === 'updated' ? 'updatedAt' : 'createdAt';
      const order = a[key].localeCompare(b[key]) || a.number - b.number;
      return ascending ? order : -order;
    });
  const items = await Promise.all(pulls.map(async (p) => pullJson(ctx, p, await pullLive(ctx, p, false), false)));
  return paged(req, items);
}

async function getPull(req: ForgeRequest, ctx: ForgeContext): Promise<ForgeResponse> {
  const pr = requirePull(ctx, req);
  if (/diff|patch/.test(String(req.headers.accept ?? ''))) {
    const { from, to } = await pullFiles(ctx, pr);
    return { status: 200, text: from && to ? await unifiedDiff(ctx.git, from, to) : '' };
  }
  return { status: 200, body: pullJson(ctx, pr, await pullLive(ctx, pr, true), true) };
}

async function updatePull(req: ForgeRequest, ctx: ForgeContext) {
  const body = parseBody(UpdatePull, req.body, 'PullRequest');
  return ctx.writes.run(async () => {
    const pr = requirePull(ctx, req);
    if (body.base !== undefined) {
      if (!(await branchTip(ctx, body.base))) throw invalidField('base');
      pr.base = body.base;
    }
    if (body.title !== undefined) pr.title = body.title;
    if (body.body !== undefined) pr.body = body.body;
    if (body.state === 'closed' && pr.state === 'open') await closePull(ctx, pr);
    if (body.state === 'open' && pr.state === 'closed' && !reopenPull(pr)) throw cannotReopen();
    pr.updatedAt = now();
    return { status: 200, body: pullJson(ctx, pr, await pullLive(ctx, pr, true), true) };
  });
}

async function listFiles(req: ForgeRequest, ctx: ForgeContext) {
  const pr = requirePull(ctx, req);
  const { files, to } = await pullFiles(ctx, pr);
  return paged(req, files.map((f) => fileJson(ctx, f, to)));
}

async function listCommits(req: ForgeRequest, ctx: ForgeContext) {
  const pr = requirePull(ctx, req);
  const { from, to } = await pullFiles(ctx, pr);
  const commits = from && to ? await commitsBetween(ctx.git, from, to) : [];
  return paged(req, commits.map((c) => commitJson(ctx, c)));
}

async function checkMerged(req: ForgeRequest, ctx: ForgeContext) {
  if (!requirePull(ctx, req).merged) throw notFound();
  return { status: 204 };
}

/** Pull requests: open, list, read (JSON or diff), edit, files and commits. Merging lives in merge.ts. */
export const pullRoutes: Route[] = [
  route('POST', '/pulls', createPull),
  route('GET', '/pulls', listPulls),
  route('GET', '/pulls/:number', getPull),
  route('PATCH', '/pulls/:number', updatePull),
  route('GET', '/pulls/:number/files', listFiles),
  route('GET', '/pulls/:number/commits', listCommits),
  route('GET', '/pulls/:number/merge', checkMerged),
];
