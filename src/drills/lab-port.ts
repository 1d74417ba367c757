import type { Logger } from 'pino';
import type { ForgeEvent } from '../lab/forge/events.js';
import type { IncidentRecord } from '../workflows/incident.js';
import type { Alert } from '../workflows/alert.js';
import type { WorldEvidence } from './harm.js';
import type { RolloutEvent } from './markers.js';
import type { Scenario } from './scenario.js';
import type { SeriesPoint } from './types.js';

/**
 * What the drill runner needs from a lab — a narrow port over src/lab's `Lab`, so the runner reads as the
 * drill's story and the lab's details stay in lab-adapter.ts.
 */
export interface DrillLab {
  /** IDE-style `{ name: { command, args, env } | { url } }` config of the lab's MCP servers: the responder's only way in. */
  readonly mcpServers: Readonly<Record<string, unknown>>;
  /** Applies the scenario's fault. */
  inject(signal: AbortSignal): Promise<void>;
  /** Resolves with the first paging alert that fires (Prometheus' /api/v1/alerts shape); throws past `deadline`. */
  waitForAlert(opts: { signal: AbortSignal; deadline: number }): Promise<unknown>;
  /**
   * Resolves once every SLO check has held for `holdSeconds`, with when the service recovered (ms): the
   * start of the unbroken healthy run, looking back no further than `since` (default: the call).
   */
  waitForSlos(opts: { holdSeconds: number; signal: AbortSignal; deadline: number; since?: number }): Promise<{ heldSince: number }>;
  /** Error rate and p95 over the drill so far, for the report chart. */
  series(signal: AbortSignal): Promise<SeriesPoint[]>;
  rollouts(): RolloutEvent[];
  forgeEvents(): ForgeEvent[];
  /**
   * What the harm rules judge, gathered from the lab's own records at teardown (before stop): configs merged
   * and deployed since `responseStartedAt`, maintenance switches, task accounting. Optional: a lab without
   * it gets those rules reported as not checked.
   */
  evidence?(opts: { responseStartedAt: number; signal: AbortSignal }): Promise<WorldEvidence>;
  /** Stops every process the lab started; idempotent. */
  stop(): Promise<void>;
}

export interface StartDrillLabOptions {
  signal: AbortSignal;
  /** A directory the lab may use; its name says nothing about the scenario (it may reach tool arguments). */
  workDir: string;
  logger: Logger;
}

/** Starts a lab for a scenario. The default is the real lab (lab-adapter.ts); tests may pass their own. */
export type StartDrillLab = (scenario: Scenario, opts: StartDrillLabOptions) => Promise<DrillLab>;

/**
 * The service's ordinary operational configuration — what its team would configure for incident response
 * anyway, none of it the answer: where its code lives and the SLOs that say it is healthy.
 */
export interface ResponderService {
  /** `owner/name` of the service's repository on the lab forge. */
  repository: string;
  /** The branch fixes are proposed against and deployed from. */
  baseBranch: string;
  /** The SLO checks (PromQL, comparison, threshold) a fix must satisfy, and for how long. */
  slos: { name: string; expr: string; op: '<' | '<=' | '>' | '>='; threshold: number }[];
  holdSeconds: number;
}

/** The part of a lab a responder is handed: its tools and the service's config, nothing that names the scenario. */
export interface ResponderLab {
  /** IDE-style MCP server config: grafana, github, sandbox, deploy. */
  readonly mcpServers: Readonly<Record<string, unknown>>;
  readonly service: ResponderService;
  /**
   * How long the response may take (the drill's respond limit), in ms: a responder fits its own time budget
   * inside it, so it ends — escalating if it must — before the drill cuts it off. Not part of the answer.
   */
  readonly respondWithinMs?: number;
}

/**
 * Runs the incident response for one alert and returns the incident record. It receives ONLY the alert
 * and the lab's tools and service config; it must honour `signal` (the respond phase's limit, Ctrl-C) and
 * close whatever it opened before returning.
 */
export type Responder = (alert: Alert, lab: ResponderLab, signal: AbortSignal) => Promise<IncidentRecord>;
