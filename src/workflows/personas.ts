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
Root cause: set rootCause to { category, components } (kebab-case) only when the evidence shows it, e.g.
{ "category": "resource-exhaustion", "components": ["database-connection-pool"] }; otherwise null.
The incident's service, job, log selector and a suggested rate window are in the handoff.`;

const backendExtra = `
The repository is incident.repository (owner, repo, baseBranch); incident.evidence lists what was measured.
remedy: pull-request when you opened a fix, rollback when the cause is a release to undo (pullRequest null),
none when no safe change exists (say why in fixDesign). Cite the evidence in the PR body: incident, root cause,
fix (old -> new), testing, rollback plan.`;

const devopsInstructions = `Carry out the one action the task names, with the deploy and GitHub tools, then report it.
- deploy: merge the pull request (squash), then deploy the merge commit's sha; ref = the sha deployed.
- rollback: roll back to the previous healthy release; ref = what is running afterwards.
- maintenance: turn maintenance mode on.
status: succeeded only when the tool reported success; failed when it reported a failure; refused when an
approval was rejected or a precondition failed (nothing was done). Never do more than the task asks: the
workflow verifies recovery itself and decides what comes next.`;

const BUDGETS: Record<PersonaName, PersonaBudget> = {
  // One turn of parallel metric queries, one of log queries, then the answer.
  observability: { tokens: 150_000, turns: 12, toolCalls: 40 },
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
      ...merged('observability', `${observabilityDefinition.instructions}${observabilityExtra}`),
      // The root-cause guidance and the wider output schema add ~150 tokens to the built-in's fixed context.
      limits: { maxFixedContextTokens: 2_500, ...(overrides.observability?.limits ?? {}) },
      output: assessmentOutput,
    }),
    backend: persona({
      ...backendDefinition,
      ...merged('backend', `${backendDefinition.instructions}${backendExtra}`),
      output: fixOutput,
    }),
    devops: persona({
      ...devopsDefinition,
      ...merged('devops', devopsInstructions),
      limits: { maxIdenticalCalls: 3, ...(overrides.devops?.limits ?? {}) },
      output: devopsActionOutput,
    }),
  };
}
