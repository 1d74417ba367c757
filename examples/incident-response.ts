/**
 * Seed 004's "Complete Workflow Orchestration", written with firebreak's public API as a developer would:
 * what changed first (the situation), a router on severity, observability -> backend -> devops, and the deploy
 * as fallback(deploy, rollback to the last known-good release, maintenance) with the deploy retried and
 * recovery verified by measurement. (firebreak's own
 * `incidentResponse()` is this workflow plus incident records, approvals and post-mortems.)
 *
 *   node examples/incident-response.ts --alert alert.json --servers servers.json --repository acme/workflows-api
 *
 * servers.json is `{ "mcpServers": { ... } }` in the IDE format (see docs/config.md). The personas run on the
 * shipped playbooks: no API key needed. Every approval is automatic here: use `gateTools(..., { policy:
 * 'require', approver })` to put a human in front of merges and deploys.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { backoff, fallback, named, provide, retry, router, run, sequence, step, type Context, type Step } from '../dist/index.js';
import { connectTools, type ToolHost } from '../dist/tools/host/index.js';
import type { ToolSet } from '../dist/tools/types.js';
import {
  buildIncidentContext, evidenceMarkdown, gateTools, parseAlert, playbookModels, verificationSchema, verifySlos, withSituation, workflowPersonas,
  type Assessment, type DevopsActionResult, type Fix, type IncidentContext, type VerificationOptions, type VerificationResult,
} from '../dist/workflows/index.js';

/** What flows through the stages, like the seed's incident_memory entries. */
export interface SeedState {
  incident: IncidentContext;
  assessment?: Assessment;
  fix?: Fix;
  actions: DevopsActionResult[];
  verification?: VerificationResult;
}

export function seedWorkflow(tools: ToolSet, verification: VerificationOptions = {}): Step<SeedState, SeedState> {
  const { observability, backend, devops } = workflowPersonas();
  const settings = verificationSchema.parse(verification);

  // First, what changed and whether the SLOs hold: every persona starts from these recorded facts.
  const situation = step('situation', async (s: SeedState, ctx: Context) => ({ ...s, incident: await withSituation(s.incident, { tools, verification }, ctx) }));

  // Stage 1: detect and monitor. Findings go to the incident's memory namespace, as in the seed.
  const detect = step('detect', async (s: SeedState, ctx: Context) => {
    const assessment = await ctx.run(observability, { incident: { ...s.incident } });
    await ctx.memory?.put('assessment', assessment);
    // The evidence, as markdown, goes with the incident: the backend cites it in the PR body.
    return { ...s, incident: { ...s.incident, evidence: evidenceMarkdown(assessment) }, assessment };
  });

  // Stage 2: diagnose and fix — the backend persona opens a tested PR.
  const fix = step('fix', async (s: SeedState, ctx: Context) => {
    const result = await ctx.run(backend, { incident: { ...s.incident }, previous: { observability: s.assessment } });
    await ctx.memory?.put('fix', result);
    return { ...s, fix: result };
  });

  // Stage 3: deploy and verify. The devops persona acts; the workflow measures.
  const act = (action: DevopsActionResult['action']): Step<SeedState, SeedState> =>
    step(action, async (s: SeedState, ctx: Context) => {
      const r = await ctx.run(devops, {
        incident: { ...s.incident },
        // A rollback goes to the last known-good release the situation measured, never "the previous one".
        previous: { observability: s.assessment, backend: s.fix, workflow: { action, pullRequest: s.fix?.pullRequest, to: s.incident.changes?.knownGood?.releaseId } },
        task: `Do the ${action} action for this incident.`,
      });
      if (r.status !== 'succeeded') throw new Error(`${action} ${r.status}: ${r.summary}`);
      return { ...s, actions: [...s.actions, r] };
    }, { sideEffect: true });
  const verify = (target: 'fix' | 'rollback'): Step<SeedState, SeedState> =>
    step(`verify-${target}`, async (s: SeedState, ctx: Context) => ({ ...s, verification: await verifySlos(target, s.incident, settings, tools, ctx) }));

  const deployWithRollback = fallback(
    named('deploy-fix', sequence(retry(act('deploy'), { attempts: 2, backoff: backoff.constant(10_000) }), verify('fix'))),
    named('rollback', sequence(act('rollback'), verify('rollback'))),
    act('maintenance'),
  );

  const ticket = step('ticket', async (s: SeedState, ctx: Context) => {
    const repo = s.incident.repository;
    if (!repo) throw new Error('no repository for the ticket');
    await tools.call('github.issue_write', { method: 'create', owner: repo.owner, repo: repo.repo, title: `[P3] ${s.incident.title}`, body: s.incident.id }, { ctx });
    return s;
  });

  // Route based on incident severity, default p2 (the seed's router_fn).
  return provide({ toolset: tools }, named('incident', router({
    select: (s: SeedState) => s.incident.severity ?? 'p2',
    routes: {
      p0: sequence(situation, detect, fix, deployWithRollback),
      p1: sequence(situation, detect, fix, deployWithRollback),
      p2: sequence(situation, detect, fix),
      p3: ticket,
    },
    default: 'p2',
  })));
}

/** Runs the seed's workflow once for `alertPayload` over `host`, with playbook models and auto-approval. */
export async function respondOnce(host: ToolHost, alertPayload: unknown, opts: { repository: string; verification?: VerificationOptions; id?: string }): Promise<SeedState> {
  const id = opts.id ?? `inc-${Date.now()}`;
  const incident = buildIncidentContext(parseAlert(alertPayload), { id, repository: opts.repository });
  const tools = gateTools(host, { policy: 'auto' });
  const workflow = provide({ model: await playbookModels() }, seedWorkflow(tools, opts.verification));
  return run(workflow, { incident, actions: [] }, { runId: id });
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { alert: { type: 'string' }, servers: { type: 'string' }, repository: { type: 'string' } } });
  if (!values.alert || !values.servers || !values.repository) {
    process.stderr.write('usage: node examples/incident-response.ts --alert alert.json --servers servers.json --repository owner/name\n');
    process.exitCode = 2;
    return;
  }
  const { mcpServers } = JSON.parse(await readFile(values.servers, 'utf8')) as { mcpServers: Record<string, never> };
  const host = await connectTools({ mcpServers });
  try {
    const state = await respondOnce(host, JSON.parse(await readFile(values.alert, 'utf8')), { repository: values.repository });
    process.stdout.write(`${JSON.stringify({ rootCause: state.assessment?.rootCause, pullRequest: state.fix?.pullRequest, actions: state.actions.map((a) => a.summary), verification: state.verification?.healthy }, null, 2)}\n`);
  } finally {
    await host.close();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
