import { mkdir } from 'node:fs/promises';
import type { Logger } from 'pino';
import { SerialQueue } from '../forge/context.js';
import type { TargetHandle } from '../target/launch.js';
import type { LabEnvironment, LabProvides } from '../target/startup.js';
import { DeployerStoppedError } from './errors.js';
import { RolloutHistory } from './history.js';
import { deployKeysFor } from './idempotency.js';
import { maintenanceControl } from './maintenance.js';
import { probeHealth, tailFile, waitHealthy } from './releases.js';
import { rolloutRequests, type RunRollout } from './rollout-requests.js';
import { ReleaseSupervisor } from './supervisor.js';
import type { DeployerControl, DeploymentStatus, MaintenanceSwitch, Release, Rollout } from './types.js';

export interface DeployerOptions {
  /** The service repository (the forge's git dir): releases are exported from it. */
  readonly repoDir: string;
  /** Where release directories are created. */
  readonly releasesDir: string;
  /** The service's log file and data dir, shared by every release. */
  readonly logFile: string;
  readonly dataDir: string;
  readonly provides: LabProvides;
  /** The platform's environment fields (query, task, saga step durations), for every release. */
  readonly environment?: LabEnvironment;
  readonly serviceName: string;
  readonly maintenance: MaintenanceSwitch;
  readonly logger: Logger;
  /** A process of the current release is listening at `url` (after a deploy or a restart). */
  readonly onUpstream: (url: string | undefined, handle: TargetHandle | undefined) => void;
  /** Called after every finished rollout (the lab re-injects some faults after a deploy). */
  readonly onRollout?: (rollout: Rollout) => void;
  /** How long a started release has to answer /healthz. Default 5 s. */
  readonly healthTimeoutMs?: number;
  /**
   * Where idempotency keys of deploys, rollbacks and maintenance switches are kept, so a repeated keyed call
   * is answered from the record even after a restart. Default `<releasesDir>/idempotency-keys.json`;
   * false keeps them in memory only.
   */
  readonly idempotencyFile?: string | false;
}

/** The built-in deployer, plus what the lab needs beyond the MCP tools. */
export interface Deployer extends DeployerControl {
  /** Signals the running service process (fault injection); false when none runs. */
  kill(signal: NodeJS.Signals): boolean;
  /** The current release, if any. */
  current(): Release | undefined;
  /** Stops the running release; further rollouts throw DeployerStoppedError. */
  stop(): Promise<void>;
}

/**
 * The lab's deployer for firebreak's target service: a deploy exports the ref into a fresh release dir,
 * stops the running release, starts `node dist/lab/target/main.js --config <release>/service.config.json`
 * under a `ReleaseSupervisor`, health-checks /healthz and records the rollout. Recreate strategy, as a
 * single-instance service has: a release that cannot start leaves the service down (crash-looping) until
 * someone deploys or rolls back — nothing is restored automatically. Rollouts run one at a time.
 */
export function createDeployer(options: DeployerOptions): Deployer {
  const history = new RolloutHistory();
  const keys = deployKeysFor(options);
  const maintenance = maintenanceControl(options.maintenance, keys, options.logger);
  const queue = new SerialQueue();
  const log = options.logger;
  let supervisor: ReleaseSupervisor | undefined;
  let stopped = false;
  // Every release listens where the previous one did: one address for the ingress and for Prometheus.
  let port: number | undefined;

  const rollout: RunRollout = (kind, ref, obtain, trigger, reason) =>
    queue.run(async () => {
      if (stopped) throw new DeployerStoppedError();
      const release = await obtain();
      const previous = supervisor?.release;
      const record = history.start({ kind, trigger, ref, release, previous, reason });
      log.info({ rollout: record.id, kind, ref, revision: release.revision, release: release.id, trigger }, 'rollout started');
      await mkdir(options.releasesDir, { recursive: true });
      if (supervisor) {
        const old = supervisor;
        supervisor = undefined;
        options.onUpstream(undefined, undefined);
        await old.stop();
      }
      const next = new ReleaseSupervisor({
        release,
        provides: options.provides,
        ...(options.environment ? { environment: options.environment } : {}),
        logFile: options.logFile,
        dataDir: options.dataDir,
        logger: log,
        ...(port !== undefined ? { port } : {}),
        onReady: (handle) => {
          port = handle.port;
          if (supervisor === next) options.onUpstream(handle.url, handle);
        },
        onDown: () => {
          if (supervisor === next) options.onUpstream(undefined, undefined);
        },
      });
      supervisor = next;
      const first = await next.firstStart;
      let finished: Rollout;
      if (!first.ok) {
        finished = history.finish(record, { ok: false, error: first.error, stderrTail: first.stderrTail, logTail: await tailFile(options.logFile, 10) });
      } else {
        const health = await waitHealthy(`${first.handle.url}/healthz`, options.healthTimeoutMs ?? 5_000);
        finished = health.ok
          ? history.finish(record, { ok: true })
          : history.finish(record, { ok: false, error: `health check failed: ${health.error ?? `HTTP ${health.status}`}`, logTail: await tailFile(options.logFile, 10) });
      }
      log.info({ rollout: finished.id, outcome: finished.outcome, error: finished.error }, 'rollout finished');
      options.onRollout?.({ ...finished });
      return { ...finished };
    });

  return {
    ...rolloutRequests({ repoDir: options.repoDir, releasesDir: options.releasesDir, history, current: () => supervisor?.release, rollout, keys }),
    async status(o = {}): Promise<DeploymentStatus> {
      const s = supervisor;
      const handle = s?.handle();
      const rollouts = history.list().reverse();
      return {
        service: options.serviceName,
        current: s && {
          releaseId: s.release.id,
          ref: s.release.ref,
          revision: s.release.revision,
          version: s.release.version,
          state: s.state(),
          since: s.since,
          restarts: s.restarts(),
          lastExit: s.lastExit(),
          health: handle ? await probeHealth(`${handle.url}/healthz`) : { ok: false, error: `no process running (${s.state()})` },
        },
        maintenance: maintenance.state(),
        maintenanceHistory: maintenance.history().reverse(),
        history: o.historyLimit === undefined ? rollouts : rollouts.slice(0, o.historyLimit),
      };
    },
    setMaintenance: maintenance.set,
    maintenanceSwitches: () => maintenance.history(),
    rollouts: () => history.list(),
    kill: (signal) => supervisor?.kill(signal) ?? false,
    current: () => supervisor?.release,
    async stop() {
      stopped = true;
      // Wait for a rollout in flight, then take the service down.
      await queue.run(async () => undefined);
      const s = supervisor;
      supervisor = undefined;
      await s?.stop();
    },
  };
}
