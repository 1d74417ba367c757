import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { ForgeContext } from '../context.js';
import { ForgeHttpError, parseBody, unprocessable } from '../errors.js';
import { listTree } from '../git-history.js';
import { resolveRef } from '../lookup.js';
import { pageOf, route, type ForgeRequest, type Route } from '../router.js';
import { now } from '../state.js';

const Dispatch = z.object({
  ref: z.string().min(1),
  inputs: z.record(z.string(), z.unknown()).optional(),
});

interface Workflow {
  readonly id: number;
  readonly file: string;
}

// Stable numeric ids derived from the file name, so `workflow_id` works as a number or a file name.
const workflowId = (file: string): number => createHash('sha256').update(file).digest().readUInt32BE(0);

/**
 * Workflows: the files under `.github/workflows/` at `commit`, plus any the lab declared up front
 * (drills whose deployer reacts to dispatches need no YAML in the service repo).
 */
async function workflowsAt(ctx: ForgeContext, commit: string | undefined, declared: readonly string[]): Promise<Workflow[]> {
  const files = new Set(declared);
  if (commit) {
    for (const entry of await listTree(ctx.git, commit, '.github/workflows', false)) {
      if (entry.type === 'blob' && /\.ya?ml$/.test(entry.path)) files.add(entry.path.slice('.github/workflows/'.length));
    }
  }
  return [...files].sort().map((file) => ({ id: workflowId(file), file }));
}

function workflowJson(ctx: ForgeContext, w: Workflow): Record<string, unknown> {
  return {
    id: w.id,
    node_id: Buffer.from(`Workflow:${w.id}`).toString('base64'),
    name: w.file.replace(/\.ya?ml$/, ''),
    path: `.github/workflows/${w.file}`,
    state: 'active',
    url: `${ctx.repoApi}/actions/workflows/${w.id}`,
    html_url: `${ctx.htmlBase}/blob/${ctx.defaultBranch}/.github/workflows/${w.file}`,
  };
}

/** Builds the Actions routes; `declared` are workflow file names accepted even without a YAML file. */
export function actionRoutes(declared: readonly string[]): Route[] {
  async function listWorkflows(req: ForgeRequest, ctx: ForgeContext) {
    const workflows = await workflowsAt(ctx, await resolveRef(ctx, ctx.defaultBranch), declared);
    const { page, perPage } = pageOf(req.query);
    return { status: 200, body: { total_count: workflows.length, workflows: workflows.slice((page - 1) * perPage, page * perPage).map((w) => workflowJson(ctx, w)) } };
  }

  async function dispatch(req: ForgeRequest, ctx: ForgeContext) {
    const body = parseBody(Dispatch, req.body, 'Workflow');
    const sha = await resolveRef(ctx, body.ref);
    if (!sha) throw unprocessable(`No ref found for: ${body.ref}`);
    const id = req.params.id ?? '';
    const workflow = (await workflowsAt(ctx, sha, declared)).find((w) => w.file === id || String(w.id) === id);
    if (!workflow) throw new ForgeHttpError(404, 'Not Found');
    const inputs = body.inputs ?? {};
    return ctx.writes.run(async () => {
      ctx.state.dispatches.push({ workflowId: workflow.file, ref: body.ref, inputs, at: now() });
      ctx.events.record({ type: 'workflow.dispatched', workflowId: workflow.file, ref: body.ref, inputs });
      return { status: 204 };
    });
  }

  return [route('GET', '/actions/workflows', listWorkflows), route('POST', '/actions/workflows/:id/dispatches', dispatch)];
}
