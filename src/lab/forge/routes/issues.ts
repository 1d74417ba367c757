import { z } from 'zod';
import type { ForgeContext } from '../context.js';
import { notFound, parseBody } from '../errors.js';
import { numberParam } from '../lookup.js';
import { closePull, reopenPull } from '../pull-live.js';
import { paged, route, type ForgeRequest, type Route } from '../router.js';
import { commentJson, issueJson } from '../shapes-issues.js';
import { now, type CommentRecord, type IssueRecord, type PullRecord } from '../state.js';
import { cannotReopen } from './pulls.js';

// GitHub accepts labels as names or as { name } objects.
const Labels = z.array(z.union([z.string(), z.object({ name: z.string() })]).transform((l) => (typeof l === 'string' ? l : l.name)));

const CreateIssue = z.object({
  title: z.union([z.string().min(1), z.number().transform(String)]),
  body: z.string().nullable().optional(),
  labels: Labels.optional(),
  assignees: z.array(z.string()).optional(),
  assignee: z.string().nullable().optional(),
});

const UpdateIssue = z.object({
  title: z.union([z.string().min(1), z.number().transform(String)]).optional(),
  body: z.string().nullable().optional(),
  state: z.enum(['open', 'closed']).optional(),
  state_reason: z.enum(['completed', 'not_planned', 'reopened', 'duplicate']).nullable().optional(),
  labels: Labels.optional(),
  assignees: z.array(z.string()).optional(),
});

const CreateComment = z.object({ body: z.string().min(1) });

/** An issue or a pull request by number (they share numbers; comments and listings see both). */
function requireThread(ctx: ForgeContext, req: ForgeRequest): IssueRecord | PullRecord {
  const n = numberParam(req.params.number);
  const thread = ctx.state.issues.get(n) ?? ctx.state.pulls.get(n);
  if (!thread) throw notFound();
  return thread;
}

async function createIssue(req: ForgeRequest, ctx: ForgeContext) {
  const body = parseBody(CreateIssue, req.body, 'Issue');
  return ctx.writes.run(async () => {
    const at = now();
    const issue: IssueRecord = {
      number: ctx.state.nextNumber(),
      id: ctx.state.nextId(),
      title: body.title,
      body: body.body ?? null,
      state: 'open',
      stateReason: null,
      labels: body.labels ?? [],
      assignees: body.assignees ?? (body.assignee ? [body.assignee] : []),
      user: ctx.login,
      createdAt: at,
      updatedAt: at,
      closedAt: null,
    };
    ctx.state.issues.set(issue.number, issue);
    ctx.events.record({ type: 'issue.opened', number: issue.number, title: issue.title });
    return { status: 201, body: issueJson(ctx, issue), headers: { location: `${ctx.repoApi}/issues/${issue.number}` } };
  });
}

async function updateIssue(req: ForgeRequest, ctx: ForgeContext) {
  const body = parseBody(UpdateIssue, req.body, 'Issue');
  return ctx.writes.run(async () => {
    const n = numberParam(req.params.number);
    const pr = ctx.state.pulls.get(n);
    if (pr) return updatePullAsIssue(ctx, pr, body);
    const issue = ctx.state.issues.get(n);
    if (!issue) throw notFound();
    if (body.title !== undefined) issue.title = body.title;
    if (body.body !== undefined) issue.body = body.body;
    if (body.labels !== undefined) issue.labels = body.labels;
    if (body.assignees !== undefined) issue.assignees = body.assignees;
    if (body.state === 'closed' && issue.state === 'open') {
      Object.assign(issue, { state: 'closed', closedAt: now(), stateReason: body.state_reason ?? 'completed' });
      ctx.events.record({ type: 'issue.closed', number: n });
    } else if (body.state === 'open' && issue.state === 'closed') {
      Object.assign(issue, { state: 'open', closedAt: null, stateReason: 'reopened' });
      ctx.events.record({ type: 'issue.reopened', number: n });
    }
    issue.updatedAt = now();
    return { status: 200, body: issueJson(ctx, issue) };
  });
}

// PATCH /issues/{n} on a pull request edits the PR's issue side: title, body, open/closed.
async function updatePullAsIssue(ctx: ForgeContext, pr: PullRecord, body: z.output<typeof UpdateIssue>) {
  if (body.title !== undefined) pr.title = body.title;
  if (body.body !== undefined) pr.body = body.body;
  if (body.state === 'closed' && pr.state === 'open') await closePull(ctx, pr);
  if (body.state === 'open' && pr.state === 'closed' && !reopenPull(pr)) throw cannotReopen();
  pr.updatedAt = now();
  return { status: 200, body: issueJson(ctx, pr) };
}

async function getIssue(req: ForgeRequest, ctx: ForgeContext) {
  return { status: 200, body: issueJson(ctx, requireThread(ctx, req)) };
}

async function listIssues(req: ForgeRequest, ctx: ForgeContext) {
  const state = req.query.get('state') ?? 'open';
  const labels = (req.query.get('labels') ?? '').split(',').filter(Boolean);
  const ascending = req.query.get('direction') === 'asc';
  const key = req.query.get('sort') === 'updated' ? 'updatedAt' : 'createdAt';
  const threads = [...ctx.state.issues.values(), ...ctx.state.pulls.values()]
    .filter((t) => state === 'all' || t.state === state)
    .filter((t) => labels.length === 0 || ('labels' in t && labels.every((l) => t.labels.includes(l))))
    .sort((a, b) => {
      const order = a[key].localeCompare(b[key]) || a.number - b.number;
      return ascending ? order : -order;
    });
  return paged(req, threads.map((t) => issueJson(ctx, t)));
}

async function createComment(req: ForgeRequest, ctx: ForgeContext) {
  const body = parseBody(CreateComment, req.body, 'IssueComment');
  return ctx.writes.run(async () => {
    const thread = requireThread(ctx, req);
    const comment: CommentRecord = { id: ctx.state.nextId(), number: thread.number, body: body.body, user: ctx.login, createdAt: now() };
    const list = ctx.state.comments.get(thread.number) ?? [];
    list.push(comment);
    ctx.state.comments.set(thread.number, list);
    thread.updatedAt = comment.createdAt;
    ctx.events.record({ type: 'comment.created', number: thread.number, id: comment.id });
    return { status: 201, body: commentJson(ctx, comment) };
  });
}

async function listComments(req: ForgeRequest, ctx: ForgeContext) {
  const thread = requireThread(ctx, req);
  return paged(req, (ctx.state.comments.get(thread.number) ?? []).map((c) => commentJson(ctx, c)));
}

/** Issues and issue/PR comments. */
export const issueRoutes: Route[] = [
  route('POST', '/issues', createIssue),
  route('GET', '/issues', listIssues),
  route('GET', '/issues/:number', getIssue),
  route('PATCH', '/issues/:number', updateIssue),
  route('POST', '/issues/:number/comments', createComment),
  route('GET', '/issues/:number/comments', listComments),
];
