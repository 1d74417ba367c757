import { spawn } from 'node:child_process';
import type { Logger } from 'pino';
import { SerialQueue } from '../forge/context.js';
import { DeployerStoppedError } from './errors.js';
import { RolloutHistory } from './history.js';
import { deployKeysFor } from './idempotency.js';
import { maintenanceControl } from './maintenance.js';
import { probeHealth, tailFile, tailText, waitHealthy } from './releases.js';
import { rolloutRequests, type RunRollout } from './rollout-requests.js';
import type { DeployerControl, DeploymentStatus, MaintenanceSwitch, Release, Rollout } from './types.js';

/** A command line: what a scenario's custom target gives as its deploy step. */
export interface DeployCommand {
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd?: string | undefined;
  readonly env: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
}

export interface CommandDeployerOptions {
  readonly repoDir: string;
  readonly releasesDir: string;
  readonly serviceName: string;
  /** The service's own health URL, checked after every deploy. */
  readonly healthUrl: string;
  readonly logFile: string;
  readonly deploy: DeployCommand;
  readonly maintenance: MaintenanceSwitch;
  readonly logger: Logger;
  readonly onRollout?: (rollout: Rollout) => void;
  readonly healthTimeoutMs?: number;
  /**
   * Where idempotency keys of deploys, rollbacks and maintenance switches are kept, so a repeated keyed call
   * is answered from the record even after a restart. Default `<releasesDir>/idempotency-keys.json`;
   * false keeps them in memory only.
   */
  readonly idempotencyFile?: string | false;
}

/** Runs `cmd` with `env` added; resolves with exit code and output tail. Kills the process group on timeout. */
function runCommand(cmd: DeployCommand, env: Record<string, string>): Promise<{ code: number | null; output: string; timedOut: boolean }> {
  return new Promise((resolve) => {
    const child = spawn(cmd.command, [...cmd.args], { cwd: cmd.cwd, env: { ...process.env, ...cmd.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let output = '';
    const keep = (chunk: Buffer): void => {
      output = (output + chunk.toString('utf8')).slice(-32 * 1024);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }, cmd.timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      resolve({ code: null, output: `${output}\n${err.message}`, timedOut });
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output, timedOut });
    });
  });
}

/**
 * The deployer for a scenario's custom target: a deploy exports the ref into a release dir and runs the
 * team's deploy command with FIREBREAK_REF, FIREBREAK_REVISION and FIREBREAK_RELEASE_DIR set; it succeeded
 * when the command exits 0 and the service's health URL answers 2xx. Rollbacks rerun the command with an
 * earlier release. The lab does not supervise the process: the team's tooling does.
 */
export function createCommandDeployer(options: CommandDeployerOptions): DeployerControl & { current(): Release | undefined; stop(): Promise<void> } {
  const history = new RolloutHistory();
  const keys = deployKeysFor(options);
  const maintenance = maintenanceControl(options.maintenance, keys, options.logger);
  const queue = new SerialQueue();
  let current: Release | undefined;
  let stopped = false;

  const rollout: RunRollout = (kind, ref, obtain, trigger, reason) =>
    queue.run(async () => {
      if (stopped) throw new DeployerStoppedError();
      const release = await obtain();
      const record = history.start({ kind, trigger, ref, release, previous: current, reason });
      current = release;
      const result = await runCommand(options.deploy, { FIREBREAK_REF: ref, FIREBREAK_REVISION: release.revision, FIREBREAK_RELEASE_DIR: release.dir });
      let finished: Rollout;
      if (result.code !== 0) {
        const error = result.timedOut ? `deploy command timed out after ${options.deploy.timeoutMs} ms` : `deploy command exited with ${result.code ?? 'an error'}`;
        finished = history.finish(record, { ok: false, error, stderrTail: tailText(result.output), logTail: await tailFile(options.logFile, 10) });
      } else {
        const health = await waitHealthy(options.healthUrl, options.healthTimeoutMs ?? 10_000);
        finished = health.ok ? history.finish(record, { ok: true }) : history.finish(record, { ok: false, error: `health check failed: ${health.error ?? `HTTP ${health.status}`}`, logTail: await tailFile(options.logFile, 10) });
      }
      options.logger.info({ rollout: finished.id, outcome: finished.outcome }, 'rollout finished');
      options.onRollout?.({ ...finished });
      return { ...finished };
    });

  return {
    ...rolloutRequests({ repoDir: options.repoDir, releasesDir: options.releasesDir, history, current: () => current, rollout, keys }),
    async status(o = {}): Promise<DeploymentStatus> {
      const rollouts = history.list().reverse();
      const last = rollouts.find((r) => r.releaseId === current?.id);
      const health = await probeHealth(options.healthUrl);
      return {
        service: options.serviceName,
        current: current && {
          releaseId: current.id,
          ref: current.ref,
          revision: current.revision,
          version: current.version,
          state: health.ok ? 'running' : last?.outcome === 'failed' ? 'crash-looping' : 'starting',
          since: last?.startedAt ?? current.createdAt,
          restarts: 0,
          lastExit: undefined,
          health,
        },
        maintenance: maintenance.state(),
        maintenanceHistory: maintenance.history().reverse(),
        history: o.historyLimit === undefined ? rollouts : rollouts.slice(0, o.historyLimit),
      };
    },
    setMaintenance: maintenance.set,
    maintenanceSwitches: () => maintenance.history(),
    rollouts: () => history.list(),
    current: () => current,
    async stop() {
      stopped = true;
      await queue.run(async () => undefined);
    },
  };
}
