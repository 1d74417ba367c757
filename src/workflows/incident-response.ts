import type { ChatModel } from '../models/types.js';
import { provide } from '../personas/runtime.js';
import { router, sequence, step } from '../primitives/index.js';
import type { Context, Step } from '../primitives/types.js';
import { budgetTools, incidentBudgetSchema, type IncidentBudgetOptions } from './budget.js';
import { changesSchema, situationStage, type ChangesOptions } from './stage-situation.js';
import type { ToolSet } from '../tools/types.js';
import { recordActions } from './actions.js';
import type { Severity } from './alert.js';
import type { IncidentContext } from './incident-context.js';
import type { Notifier } from './notifier.js';
import { workflowPersonas, type PersonaName, type PersonaOverride, type WorkflowPersonas } from './personas.js';
import { deployStage, type DeployStageOptions } from './stage-deploy.js';
import { detectStage, fixStage } from './stage-investigate.js';
import { escalateStage, sendNotifications, ticketStage, type TicketOptions } from './stage-notify.js';
import type { IncidentOutcome, IncidentState } from './state.js';
import { verificationSchema, type VerificationOptions } from './verify.js';

/**
 * The incident-response workflow of seed 004, built only from the public primitives:
 *
 *   incident
 *     assess            observability first when the alert carries no severity (triage)
 *     router(severity)
 *       p0: escalate (channel + page), detect, fix, deploy
 *       p1: detect (observability) -> fix (backend) -> deploy (devops)
 *       p2: detect -> fix                     (a PR is proposed, nothing is deployed)
 *       p3: ticket                            (github issue_write)
 *     conclude          outcome; pages the on-call when a p0/p1 is left unresolved
 *
 * deploy = fallback(retry(deploy) + verify, rollback + verify, maintenance mode); see stage-deploy.ts.
 */

export interface IncidentInput {
  incident: IncidentContext;
}

export interface IncidentWorkflowOptions {
  /** The tools personas and steps call: usually an approval-gated tool host (gateTools(connectTools(...))). */
  tools: ToolSet;
  /** One model for all personas, or one per persona name; omit when the caller wraps the workflow in provide(). */
  model?: ChatModel | ((persona: string) => ChatModel | undefined);
  /** Per-persona changes (instructions, budget, tools, model); or `personas` for fully custom steps. */
  overrides?: Partial<Record<PersonaName, PersonaOverride>>;
  personas?: Partial<WorkflowPersonas>;
  /** Channel and pager for p0 escalation and unresolved p0/p1 incidents. */
  notifier?: Notifier;
  verification?: VerificationOptions;
  deploy?: Pick<DeployStageOptions, 'deployAttempts' | 'deployBackoffMs' | 'lastResort' | 'waitSeconds'>;
  /** Change awareness: how far back to look, what is suspect, which metric and files to read. */
  changes?: ChangesOptions;
  /** The whole incident's tool-call and wall-clock budget; past it the response stops and escalates. */
  budget?: IncidentBudgetOptions;
  ticket?: TicketOptions;
  /** Route when neither the alert nor the assessment gives a severity (the seed's default: p2). */
  defaultSeverity?: Severity;
}

/**
 * Builds the incident workflow: a Step<IncidentInput, IncidentOutcome>.
 *
 * When to use: run it with `run(workflow, { incident }, { runId, journal, memory })`; the IncidentService
 * (service.ts) does that for the CLI, the MCP server and drills.
 * What it does: routes by severity and runs the stages above; every stage writes its result to the state
 * (and to ctx.memory), stage failures become `state.failure` and an unresolved outcome, never a throw.
 * Gotchas: build it once per incident when `tools` is gated per incident (the usual case); a resumed run must
 * use a workflow of the same structure (the journal checks it). Only cancellation rejects.
 *
 * @example
 * const workflow = incidentResponse({ tools: gateTools(host, { policy: 'auto' }), model: (name) => playbooks[name] });
 * const outcome = await run(workflow, { incident: buildIncidentContext(parseAlert(payload), { id: 'inc-1' }) });
 */
export function incidentResponse(opts: IncidentWorkflowOptions): Step<IncidentInput, IncidentOutcome> {
  const budget = incidentBudgetSchema.parse(opts.budget ?? {});
  const tools = budgetTools(recordActions(opts.tools), budget.toolCalls);
  const built = workflowPersonas(opts.overrides);
  const personas: WorkflowPersonas = { ...built, ...(opts.personas ?? {}) };
  const verification = verificationSchema.parse(opts.verification ?? {});
  const changes = changesSchema.parse(opts.changes ?? {});
  const situation = situationStage({ tools, changes, verification });
  const detect = detectStage(personas.observability);
  // The fix guard and the deploy stage read files and the running release with the tools change awareness names.
  const fix = fixStage(personas.backend, tools, { fileTool: changes.tools.file });
  const announce = async (state: IncidentState, text: string, ctx: Context): Promise<void> => {
    const i = state.incident;
    const sent = await sendNotifications(opts.notifier, ['channel'], { incidentId: i.id, title: i.title, severity: state.severity ?? 'p1', reason: 'update', text }, tools, ctx);
    state.notifications = [...(state.notifications ?? []), ...sent];
  };
  const deploy = deployStage({ devops: personas.devops, tools, verification, announce, rolloutsTool: changes.tools.rollouts, ...(opts.deploy ?? {}) });
  const triage = detectStage(personas.observability, 'assess');

  const routes = router({
    select: (s: IncidentState) => s.severity ?? opts.defaultSeverity ?? 'p2',
    routes: {
      p0: sequence(escalateStage(opts.notifier, tools), detect, fix, deploy),
      p1: sequence(detect, fix, deploy),
      p2: sequence(detect, fix),
      p3: ticketStage(tools, opts.ticket),
    },
    default: 'p2',
  });

  const notifyUnresolved = step('notify-unresolved', async (outcome: IncidentOutcome, ctx: Context) => {
    const i = outcome.state.incident;
    const notifications = await sendNotifications(opts.notifier, ['channel', 'page'], {
      incidentId: i.id, title: i.title, severity: outcome.state.severity ?? 'p1', reason: 'unresolved',
      text: `Incident ${i.id} (${i.title}) is NOT resolved: ${outcome.summary} A human needs to take over.`,
    }, tools, ctx);
    return { ...outcome, state: { ...outcome.state, notifications: [...(outcome.state.notifications ?? []), ...notifications] } };
  });

  const root: Step<IncidentInput, IncidentOutcome> = {
    name: 'incident',
    kind: 'workflow',
    children: [situation, triage, routes, notifyUnresolved],
    async run(input: IncidentInput, ctx: Context): Promise<IncidentOutcome> {
      const sev = input.incident.severity;
      const deadline = new Date(Date.now() + budget.wallClockSeconds * 1000).toISOString();
      let state: IncidentState = { incident: input.incident, deadline, ...(sev ? { severity: sev, severitySource: 'alert' as const } : {}) };
      // What changed, and do the SLOs hold: before any diagnosis, whatever the route.
      state = await ctx.run(situation, state);
      if (!sev) state = await ctx.run(triage, state);
      if (!state.severity) state = { ...state, severity: opts.defaultSeverity ?? 'p2', severitySource: 'default' };
      ctx.emit('route', { severity: state.severity, source: state.severitySource });
      state = await ctx.run(routes, state);
      let outcome = conclude(state);
      if (!outcome.resolved && (state.severity === 'p0' || state.severity === 'p1') && opts.notifier) outcome = await ctx.run(notifyUnresolved, outcome);
      ctx.emit('outcome', { resolved: outcome.resolved, kind: outcome.kind, summary: outcome.summary, ...(outcome.error ? { error: outcome.error } : {}) });
      return outcome;
    },
  };
  return opts.model ? provide({ model: opts.model, toolset: tools }, root) : provide({ toolset: tools }, root);
}

/** The verdict for a finished state: resolved or not, which kind of ending, and a one-line summary. */
export function conclude(state: IncidentState): IncidentOutcome {
  const base = { state };
  if (state.assessment?.status === 'healthy' && !state.failure) {
    return { ...base, resolved: true, kind: 'no-action', summary: `No action taken: the service is healthy by every measured signal and its SLOs hold. ${state.assessment.summary}`.trim() };
  }
  if (state.failure) {
    return { ...base, resolved: false, kind: 'unresolved', summary: `The ${state.failure.stage} stage could not complete: ${state.failure.error}`, error: state.failure.error };
  }
  switch (state.severity) {
    case 'p3':
      return state.ticket
        ? { ...base, resolved: true, kind: 'ticketed', summary: `Low severity: filed ticket #${state.ticket.number} (${state.ticket.url}).` }
        : { ...base, resolved: false, kind: 'unresolved', summary: 'Low severity, but no ticket was filed.' };
    case 'p2': {
      const pr = state.fix?.pullRequest;
      return pr
        ? { ...base, resolved: true, kind: 'fix-proposed', summary: `Fix proposed for review in PR #${pr.number} (${pr.url}); not deployed (p2). ${state.fix?.fixDesign.change ?? ''}`.trim() }
        : { ...base, resolved: false, kind: 'unresolved', summary: `No fix was proposed: ${state.fix?.fixDesign.change ?? 'the backend stage did not run'}` };
    }
    default: {
      const d = state.devops;
      if (!d) return { ...base, resolved: false, kind: 'unresolved', summary: 'Stage 3 did not run.' };
      if (d.outcome === 'fix-verified' || d.outcome === 'rollback-verified' || d.outcome === 'recovered') return { ...base, resolved: true, kind: 'resolved', summary: d.summary };
      if (d.outcome === 'maintenance') return { ...base, resolved: false, kind: 'mitigated', summary: d.summary };
      return { ...base, resolved: false, kind: 'unresolved', summary: d.summary, error: d.summary };
    }
  }
}
