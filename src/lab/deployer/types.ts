/**
 * The deployer's vocabulary: releases, rollouts and the control surface the `deploy` MCP server drives.
 * Everything here is plain JSON, so rollouts go into drill reports as they are.
 */

/** Who asked for a rollout: the lab starting up, a fault injection, or a tool call (a persona). */
export type RolloutTrigger = 'lab' | 'fault' | 'tool';

/** One exported ref, ready to run: the forge repo's files at `revision` in `dir`. */
export interface Release {
  /** r1, r2, ... in export order. */
  readonly id: string;
  /** The ref as asked for (main, a branch, a tag or a sha). */
  readonly ref: string;
  /** Full commit sha. */
  readonly revision: string;
  /** `service.version` from the release's config, when it has one. */
  readonly version: string | undefined;
  readonly dir: string;
  readonly createdAt: string;
}

export type RolloutOutcome = 'in-progress' | 'succeeded' | 'failed';

/** One deploy or rollback, as recorded. */
export interface Rollout {
  readonly id: number;
  readonly kind: 'deploy' | 'rollback';
  readonly trigger: RolloutTrigger;
  readonly ref: string;
  readonly revision: string;
  readonly releaseId: string;
  readonly version: string | undefined;
  /** Release running before this rollout (undefined for the first). */
  readonly previousReleaseId: string | undefined;
  readonly previousRevision: string | undefined;
  readonly previousVersion: string | undefined;
  readonly reason: string | undefined;
  readonly startedAt: string;
  finishedAt: string | undefined;
  durationMs: number | undefined;
  outcome: RolloutOutcome;
  /** Why it failed: exit code and first error line, or the failed health check. */
  error: string | undefined;
  /** Last lines of the service's stderr / log when it failed (secrets redacted). */
  stderrTail: string | undefined;
  logTail: string | undefined;
  /**
   * Set on the answer to a call whose idempotency key had been used already: this is the rollout recorded
   * then (or the outcome of the call still in flight), and nothing ran again. Never set in the history.
   */
  replayed?: boolean;
}

/** Live state of the running release. `crash-looping`: it exits at startup and is being restarted with backoff. */
export type ReleaseState = 'starting' | 'running' | 'crash-looping' | 'restarting' | 'stopped';

export interface HealthProbe {
  readonly ok: boolean;
  readonly status?: number;
  readonly body?: unknown;
  readonly error?: string;
}

export interface MaintenanceState {
  readonly enabled: boolean;
  /** ISO time of the last change; undefined when never changed. */
  readonly since: string | undefined;
  /** As `Rollout.replayed`: the switch recorded under this idempotency key earlier; nothing was switched now. */
  readonly replayed?: boolean;
}

/** One maintenance switch, as the deployer recorded it. */
export interface MaintenanceSwitchRecord {
  /** ISO time of the call. */
  readonly at: string;
  readonly enabled: boolean;
  /** False when maintenance was already in that state. */
  readonly changed: boolean;
  readonly trigger: RolloutTrigger;
  readonly reason: string | undefined;
}

/**
 * What deploy, rollback and maintenance calls may say besides their arguments. With `idempotencyKey` the
 * action happens at most once per key (see `DeployKeys`): a repeat gets the recorded outcome, marked `replayed`.
 */
export interface ActionOptions {
  readonly trigger?: RolloutTrigger;
  readonly reason?: string;
  readonly idempotencyKey?: string;
}

/** What `rollout_status` reports. */
export interface DeploymentStatus {
  readonly service: string;
  readonly current:
    | {
        readonly releaseId: string;
        readonly ref: string;
        readonly revision: string;
        readonly version: string | undefined;
        readonly state: ReleaseState;
        readonly since: string;
        /** Restarts after unexpected exits or failed starts since this release was deployed. */
        readonly restarts: number;
        readonly lastExit: { readonly at: string; readonly code: number | null; readonly signal: string | null; readonly stderrTail: string } | undefined;
        readonly health: HealthProbe;
      }
    | undefined;
  readonly maintenance: MaintenanceState;
  /** Newest first. */
  readonly history: readonly Rollout[];
  /** Every maintenance switch, newest first. */
  readonly maintenanceHistory: readonly MaintenanceSwitchRecord[];
}

/**
 * The lab control the deployer MCP server drives. `createDeployer` (firebreak's target) and
 * `createCommandDeployer` (a custom target's deploy command) implement it.
 */
export interface DeployerControl {
  /** Exports `ref`, replaces the running release with it, health-checks it and records the rollout. Never throws for a failed release: the rollout says `failed`. */
  deploy(ref: string, options?: ActionOptions): Promise<Rollout>;
  /** Redeploys the previous healthy release, or the release `to` names (release id or revision prefix). */
  rollback(options?: ActionOptions & { to?: string }): Promise<Rollout>;
  status(options?: { historyLimit?: number }): Promise<DeploymentStatus>;
  setMaintenance(enabled: boolean, options?: ActionOptions): Promise<MaintenanceState>;
  /** Every rollout so far, oldest first (a copy). */
  rollouts(): Rollout[];
  /** Every maintenance switch so far, oldest first (a copy). */
  maintenanceSwitches(): MaintenanceSwitchRecord[];
}

/** Maintenance switch, implemented by the lab's ingress. */
export interface MaintenanceSwitch {
  setMaintenance(enabled: boolean): void;
  maintenance(): boolean;
}
