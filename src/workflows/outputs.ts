import { z } from 'zod';
import { backendOutput } from '../personas/builtin/backend.js';
import { observabilityOutput } from '../personas/builtin/observability.js';

/**
 * The structured answers the incident workflow asks its personas for: the built-in outputs plus a
 * machine-readable root cause (what drills score and post-mortems cite), and the devops persona's answer for
 * one action at a time (the workflow, not the persona, owns the deploy -> verify -> rollback chain).
 */

/** What failed and where, in words a runbook and a scorer can match: `resource-exhaustion` at `database-connection-pool`. */
/**
 * The root-cause taxonomy: what personas answer with, and what drill scenarios are scored against. One
 * list, so a persona and a scenario author cannot disagree on the spelling of a diagnosis.
 */
export const ROOT_CAUSE_CATEGORIES = [
  'resource-exhaustion',
  'missing-timeout',
  'retry-storm',
  'stuck-workflow-state',
  'bad-deploy',
  'dependency-outage',
  'traffic-surge',
  'configuration-error',
  'code-defect',
  'other',
] as const;
export type RootCauseCategory = (typeof ROOT_CAUSE_CATEGORIES)[number];

export const rootCauseSchema = z.object({
  category: z.enum(ROOT_CAUSE_CATEGORIES).describe('Kind of failure; other when none fits (say which in the hypothesis)'),
  components: z.array(z.string().min(1)).min(1).max(3).describe('The cause FIRST (a bad release: deployment; a capacity limit: the limiting resource, e.g. database-connection-pool; a dependency: its name), then at most two related ones; kebab-case'),
  settings: z.array(z.string().min(1)).max(10).optional().describe('Configuration keys (dotted, e.g. pool.size) or file paths the evidence implicates: a fix may change these and nothing else'),
});
export type RootCause = z.infer<typeof rootCauseSchema>;

/** Stage 1: the observability expert's assessment, with a structured root cause (null when the evidence does not show one). */
export const assessmentOutput = observabilityOutput.extend({
  status: z.enum(['incident', 'healthy', 'unknown']).optional().describe('healthy: every measured signal is normal and the SLOs hold (the alert needs no action); unknown: something is wrong but the evidence does not show what (rootCause null: a human investigates); incident (default): rootCause says what is wrong'),
  rootCause: rootCauseSchema.nullable().describe('null when the evidence does not identify a cause: say so, do not guess'),
  measurements: z.record(z.string(), z.number()).optional().describe('The numbers the diagnosis rests on, by name (e.g. requestRate, queryMeanSeconds, inFlightDemand, poolMax)'),
});
export type Assessment = z.infer<typeof assessmentOutput>;

/** A check of a fix's expected effect, measured after it is deployed (PromQL, as the SLO checks). */
export const effectCheckSchema = z.object({
  name: z.string().regex(/^[\w.-]+$/, 'letters, digits, _ . -'),
  expr: z.string().min(1).describe('PromQL returning one number'),
  op: z.enum(['<', '<=', '>', '>=']),
  threshold: z.number(),
});

export const REMEDIES = ['pull-request', 'rollback', 'wait', 'none'] as const;
export type Remedy = (typeof REMEDIES)[number];

/** Stage 2: the backend engineer's fix (pullRequest null when the remedy is not a code change, e.g. a rollback). */
export const fixOutput = backendOutput.extend({
  // A rollback, a wait or no safe change edits no file and may test nothing: no placeholder needed.
  fixDesign: backendOutput.shape.fixDesign.extend({
    files: z.array(z.string()).default([]).describe('The files the fix changes; [] when nothing changes (remedy rollback, wait or none)'),
  }),
  tests: backendOutput.shape.tests.nullable().describe('The repository tests run on the fix; null when nothing changed and nothing was tested'),
  rootCause: rootCauseSchema.optional().describe('The confirmed root cause, if the code or tests refine the assessment'),
  remedy: z.enum(REMEDIES).describe('pull-request: a fix to deploy; rollback: restore the last known-good release; wait: nothing of ours to change (e.g. a third-party outage): communicate and watch; none: no safe change found (a human decides)'),
  expectedEffect: z.object({
    summary: z.string().min(1).describe('The effect in numbers, e.g. "pool 24 -> 36: 40 req/s x 0.7 s = 28 in flight (78%)"'),
    checks: z.array(effectCheckSchema).max(5).default([]).describe('How verification measures that effect after the deploy'),
  }).optional().describe('Required with remedy pull-request: what the change will do, in numbers'),
}).superRefine((fix, ctx) => {
  // A pull request is a change: it names its files and says what its tests did.
  if (fix.remedy !== 'pull-request') return;
  if (fix.fixDesign.files.length === 0) ctx.addIssue({ code: 'custom', path: ['fixDesign', 'files'], message: 'remedy pull-request: list the files the fix changes' });
  if (fix.tests === null) ctx.addIssue({ code: 'custom', path: ['tests'], message: 'remedy pull-request: report the tests run on the fix (command, passed, summary)' });
});
export type Fix = z.infer<typeof fixOutput>;

export const DEVOPS_ACTIONS = ['deploy', 'rollback', 'maintenance'] as const;
export type DevopsAction = (typeof DEVOPS_ACTIONS)[number];

/** Stage 3, one action: what the devops persona did when asked to deploy, roll back or turn on maintenance mode. */
export const devopsActionOutput = z.object({
  action: z.enum(DEVOPS_ACTIONS),
  status: z.enum(['succeeded', 'failed', 'refused']).describe('refused: an approval was rejected or a precondition failed, so nothing was done'),
  ref: z.string().optional().describe('The ref or commit deployed or rolled back to'),
  pullRequest: z.number().int().positive().optional().describe('The pull request merged for the deploy'),
  summary: z.string().min(1).describe('What was done and what the tools answered'),
});
export type DevopsActionResult = z.infer<typeof devopsActionOutput>;

/** One measured SLO (or expected-effect) check during verification. */
export interface CheckResult {
  name: string;
  query: string;
  /** Undefined when the query returned no sample. */
  value: number | undefined;
  op: '<' | '<=' | '>' | '>=';
  threshold: number;
  ok: boolean;
}

/** What verification measured: whether the checks held for the hold time before the deadline. */
export interface VerificationResult {
  target: 'fix' | 'rollback' | 'restore' | 'wait';
  healthy: boolean;
  /** How long every check held, in seconds, when verification ended. */
  heldSeconds: number;
  polls: number;
  startedAt: string;
  endedAt: string;
  /** The last poll's checks. */
  checks: CheckResult[];
  /** The worst value seen per check during verification. */
  worst: Record<string, number | null>;
}

/**
 * Stage 3's report in the built-in DevopsReport shape (deployment, verification, rollback, maintenance,
 * summary), assembled by the workflow from the actions the persona took and the checks the workflow measured.
 */
export interface DevopsStageReport {
  deployment: { ref: string; status: 'succeeded' | 'failed' | 'skipped'; pullRequest?: number };
  verification: { healthy: boolean; checks: { query: string; value: number; threshold: number; ok: boolean }[] };
  rollback: { performed: boolean; reason?: string };
  maintenanceMode: boolean;
  summary: string;
  /**
   * How stage 3 ended: the fix held, the rollback held, the service recovered while we waited (a third-party
   * outage), the pre-incident release was restored (no worse, not fixed), maintenance mode is on (a human
   * approved it), or nothing worked.
   */
  outcome: 'fix-verified' | 'rollback-verified' | 'recovered' | 'restored' | 'maintenance' | 'failed';
  actions: DevopsActionResult[];
  verifications: VerificationResult[];
}
