import type { Alert } from '../workflows/alert.js';
import type { IncidentRecord } from '../workflows/incident.js';

/**
 * The drill's own vocabulary: what a run produces (DrillResult) and what reports render. Everything here is
 * plain JSON so a result can be written to report.json and rendered again later without a lab.
 */

/** The phases of a drill, in order. `teardown` always runs. */
export const DRILL_PHASES = ['start', 'warmup', 'inject', 'detect', 'respond', 'verify', 'teardown'] as const;
export type DrillPhase = (typeof DRILL_PHASES)[number];

/** One sample of the service's health over the drill, for the report chart. */
export interface SeriesPoint {
  /** Unix milliseconds. */
  t: number;
  /** Fraction of requests that failed (0..1); null when there was no traffic or no data yet. */
  errorRate: number | null;
  /** 95th percentile latency in seconds; null when there was no data. */
  p95Seconds: number | null;
}

export type MarkerKind = 'fault' | 'alert' | 'pr' | 'merge' | 'deploy' | 'rollback' | 'maintenance' | 'recovery';

/** Something that happened at a point in time, drawn as a vertical line on the chart. */
export interface DrillMarker {
  kind: MarkerKind;
  /** ISO timestamp. */
  at: string;
  label: string;
}

/** One phase as it ran. */
export interface PhaseRecord {
  phase: DrillPhase;
  startedAt: string;
  endedAt: string;
  /** ms */
  durationMs: number;
  ok: boolean;
  /** The phase ran past its limit (as opposed to failing). */
  timedOut?: boolean;
  error?: string;
}

/** How long each phase may take, in ms (from the scenario). */
export interface PhaseLimits {
  start: number;
  warmup: number;
  detect: number;
  respond: number;
  verify: number;
  /** Injection to SLOs holding again; undefined: only the phase limits apply. */
  mitigate?: number;
}

/**
 * The ground truth of a drill: a diagnosis — category, component and the config keys (prefixes) a fix may
 * change — or `action: 'none'`, nothing is broken and the right response changes nothing. (`action` may be
 * missing in reports written before it existed: that is a diagnosis.)
 */
export type DrillExpectation = { action?: 'diagnose'; category: string; component: string; settings?: string[] } | { action: 'none' };

/** What the runner needs to know about a scenario; `planFromScenario` derives it from the YAML. */
export interface DrillPlan {
  name: string;
  title: string;
  /** The ground truth, for scoring ONLY: never handed to the responder. */
  expected: DrillExpectation;
  /** Config keys the fault itself changed (a bad release and its follow-ups): reverting them is related. */
  faultSettings: string[];
  limits: PhaseLimits;
  /** Baseline traffic runs this long before the SLOs are checked and the fault is injected. */
  warmupMs: number;
  /** Seconds the SLOs must hold at baseline before the fault is injected. */
  warmupHoldSeconds: number;
  /** Seconds the SLOs must hold after the response for the drill to count as mitigated. */
  recoveryHoldSeconds: number;
}

/** What the personas concluded, as read from the incident record's structured outputs. */
export interface Diagnosis {
  category?: string;
  components: string[];
  /** Where it was found, e.g. `outputs.backend.rootCause`. */
  source?: string;
}

/** Side effects observed in the world (forge and deployer), not as claimed by the personas. */
export interface SideEffects {
  pullRequests: number;
  merges: number;
  deploys: number;
  failedDeploys: number;
  rollbacks: number;
  /** Maintenance switches made through the tools (on or off). Absent in reports written before it existed. */
  maintenance?: number;
}

/** Mean error ratio and p95 over one window of the drill series. */
export interface HealthWindow {
  /** ms since epoch. */
  from: number;
  to: number;
  /** null when the window had no data. */
  errorRate: number | null;
  p95Seconds: number | null;
  points: number;
}

/** The service just before the response began vs at the end of the drill (the "worse" harm rule). */
export interface HealthComparison {
  before: HealthWindow;
  after: HealthWindow;
}

/** The AIOpsLab-style score of one drill, plus harm. */
export interface DrillScore {
  detected: boolean;
  /** The FIRST-named component is the expected one; null when not applicable (expected action none). */
  localized: boolean | null;
  /** The stated category is the expected one; null when not applicable (expected action none). */
  rootCause: boolean | null;
  mitigated: boolean;
  /** Every phase finished within its limit, and TTM within the mitigation limit. */
  withinLimits: boolean;
  passed: boolean;
  /** Time to detect: injection to the alert firing, ms. */
  ttdMs: number | null;
  /** Time to mitigate: injection to the SLOs holding again, ms. */
  ttmMs: number | null;
  toolCalls: number;
  tokens: { input: number; output: number; cacheRead: number; total: number };
  approvals: { requested: number; approved: number; rejected: number };
  sideEffects: SideEffects;
  /**
   * What the response did that left things worse, one `harm: ...` line each (see drills/harm.ts); a drill
   * with any harm fails. Absent in reports written before it existed.
   */
  harm: string[];
  /** Harm rules that could not be checked, and why. */
  harmNotChecked?: string[];
  /** The service before the response vs at the end (what the "worse" rule compared). */
  health?: HealthComparison;
  /** Why the drill did not pass, one line each; empty when it passed. */
  reasons: string[];
}

/** Everything one drill produced; what report.json holds. */
export interface DrillResult {
  scenario: string;
  title: string;
  /** 'playbook (no LLM)', a model name, or 'none' when no responder ran. */
  model: string;
  passed: boolean;
  /** The first reason it failed, for summaries and JUnit. */
  reason?: string;
  cancelled: boolean;
  startedAt: string;
  endedAt: string;
  injectedAt?: string;
  alertAt?: string;
  recoveredAt?: string;
  phases: PhaseRecord[];
  limits: PhaseLimits;
  expected: DrillExpectation;
  diagnosis: Diagnosis;
  score: DrillScore;
  /** The alert exactly as the responder received it. */
  alert?: Alert;
  record?: IncidentRecord;
  series: SeriesPoint[];
  markers: DrillMarker[];
}
