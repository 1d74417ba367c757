import { backendDefinition } from '../personas/builtin/backend.js';
import { devopsDefinition } from '../personas/builtin/devops.js';
import { observabilityDefinition } from '../personas/builtin/observability.js';
import { persona, type PersonaStep } from '../personas/persona.js';
import type { PersonaBudget, PersonaOptions } from '../personas/types.js';
import { assessmentOutput, devopsActionOutput, fixOutput, type Assessment, type DevopsActionResult, type Fix } from './outputs.js';

/**
 * The three personas as the incident workflow uses them: the built-in definitions (name, description, tool
 * allowlist) with the workflow's structured outputs, instructions that say how their answer is used, and
 * budgets sized for a whole incident. Each can be overridden (config `personas.<name>`).
 */

export interface WorkflowPersonas {
  observability: PersonaStep<Assessment>;
  backend: PersonaStep<Fix>;
  devops: PersonaStep<DevopsActionResult>;
}

/** What a user may change per persona: instructions, budget, allowlist, limits, model. */
export type PersonaOverride = Partial<Pick<PersonaOptions<never>, 'instructions' | 'budget' | 'tools' | 'limits' | 'model' | 'toolset'>>;

export const PERSONA_NAMES = ['observability', 'backend', 'devops'] as const;
export type PersonaName = (typeof PERSONA_NAMES)[number];

const observabilityExtra = `
The handoff's incident has: service, job, log selector, a rate window; changes (what changed around the
incident's start: deploys, versions, config diffs, the suspect change, the known-good release, baselineAt =
unix seconds to compare "before" with "now" using PromQL's @ modifier); slo (do the SLO checks hold now).
Reason in this order: a change just before the symptom is the first hypothesis — confirm it (requests
slower, failing or crashing since it, at unchanged traffic) or rule it out with numbers. Capacity: Little's
law, in flight = arrival rate x time each unit holds the resource, against the pool size or worker count;
if each request got slower after a change, more capacity is not the fix. A dependency that reports itself
down (its status page) is an outage to wait out, not something of ours to patch.
Answer: status healthy (everything normal: no action), unknown (wrong but unexplained: rootCause null), or
incident with rootCause { category, components, settings }. components, kebab-case, the CAUSE FIRST (it
is what the response acts on): a bad release -> "deployment" (name the release in evidence); a capacity
limit -> the limiting resource (e.g. database-connection-pool, task-worker-pool); a dependency -> its
name; then at most two the cause affects. settings = the configuration keys (dotted, e.g. pool.size) a fix
may change — a fix touching anything else is refused; [] for a bad release (it is rolled back, not
edited) or an outage. Put the numbers you used in measurements. Never guess.`;

const backendExtra = `
The repository is incident.repository (owner, repo, baseBranch); incident.evidence lists what was measured;
incident.changes says what changed and which release is known-good.
remedy: pull-request when you opened a fix; rollback when the cause is a release to undo (no PR: the
workflow rolls back to the known-good release); wait when nothing of ours is at fault (a provider outage);
none when no safe change exists (say why). A fix changes only the settings in the assessment's
rootCause.settings, by an amount computed from the measurements (size capacity for 2x the measured demand
unless the repository says otherwise); push it to a hotfix branch, never to the base branch. The sandbox
workspace is a git checkout: check with git log -1 that it is the revision you mean to test. The PR body must have "## Expected effect" in numbers (e.g. "pool 24 -> 36: 40 req/s x 0.7 s =
28 in flight, 78% of the new pool"); give the same in expectedEffect, with checks (PromQL, op, threshold)
the workflow measures after the deploy. A refused call says why: fix that, or answer remedy none.`;

const devopsInstructions = `Carry out the one action the task names, with the deploy and GitHub tools, then report it.
- deploy: merge the pull request (squash), then deploy the merge commit's sha; ref = the sha deployed.
- rollback: roll back to exactly the release the task names (pass it as \`to\`); ref = what runs afterwards.
- maintenance: turn maintenance mode on (a human must approve it).
status: succeeded only when the tool reported success; failed when it reported a failure; refused when an
approval was rejected or a precondition failed (nothing was done). Never do more than the task asks: the
workflow verifies recovery itself and decides what comes next.`;

/**
 * Fixed-context budgets (system prompt + tool definitions, estimated tokens). Above the built-ins' 2,000: a
 * model that sees compacted tool descriptions guesses more, and the fixed context is cached across turns.
 * With the real built-in servers the personas measure ~5,500 / ~3,300 / ~2,450.
 */
export const WORKFLOW_FIXED_CONTEXT = { observability: 6_500, backend: 4_000, devops: 3_000 } as const;

const BUDGETS: Record<PersonaName, PersonaBudget> = {
  // One turn of parallel metric queries, one of log queries, then the answer.
  observability: { tokens: 150_000, turns: 12, toolCalls: 50 },
  backend: { tokens: 250_000, turns: 20, toolCalls: 30 },
  devops: { tokens: 80_000, turns: 10, toolCalls: 12 },
};

/** Builds the workflow's personas; `overrides` replace fields of the defaults (budget fields merge). */
export function workflowPersonas(overrides: Partial<Record<PersonaName, PersonaOverride>> = {}): WorkflowPersonas {
  const merged = (name: PersonaName, instructions: string): PersonaOverride & { instructions: string; budget: PersonaBudget } => {
    const o = overrides[name] ?? {};
    return { ...o, instructions: o.instructions ?? instructions, budget: { ...BUDGETS[name], ...(o.budget ?? {}) } };
  };
  return {
    observability: persona({
      ...observabilityDefinition,
      // Read-only views of what changed: the deploy history and the repository's history and files.
      tools: [...observabilityDefinition.tools, 'deploy.rollout_status', 'github.get_file_contents', 'github.list_commits'],
      ...merged('observability', `${observabilityDefinition.instructions}${observabilityExtra}`),
      // The reasoning guidance, the change-history tools and the wider output schema: see WORKFLOW_FIXED_CONTEXT.
      limits: { maxFixedContextTokens: WORKFLOW_FIXED_CONTEXT.observability, ...(overrides.observability?.limits ?? {}) },
      output: assessmentOutput,
    }),
    backend: persona({
      ...backendDefinition,
      ...merged('backend', `${backendDefinition.instructions}${backendExtra}`),
      limits: { maxFixedContextTokens: WORKFLOW_FIXED_CONTEXT.backend, ...(overrides.backend?.limits ?? {}) },
      output: fixOutput,
    }),
    devops: persona({
      ...devopsDefinition,
      ...merged('devops', devopsInstructions),
      limits: { maxIdenticalCalls: 3, maxFixedContextTokens: WORKFLOW_FIXED_CONTEXT.devops, ...(overrides.devops?.limits ?? {}) },
      output: devopsActionOutput,
    }),
  };
}
