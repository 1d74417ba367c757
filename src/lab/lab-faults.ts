import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { Scenario, ScenarioFault } from '../drills/scenario-schema.js';
import type { DependencyHandle } from './dependency/launch.js';
import type { Rollout } from './deployer/types.js';
import { openRepo } from './forge/index.js';
import type { LabLoad } from './lab-load.js';
import type { LabRepo } from './lab-repo.js';
import { toJsonFile } from './repo-template/index.js';
import { isObject, mergeConfig } from './target/config.js';

/** What `Lab.inject()` did. */
export interface FaultInjection {
  readonly kind: ScenarioFault['kind'];
  /** The scenario's description of the fault (for reports; never shown to personas). */
  readonly description: string;
  /** ISO time the fault was applied. */
  readonly at: string;
  /** The rollout a bad-release fault triggered. */
  readonly rollout?: Rollout;
  /** The rollouts of its follow-up releases, in order. */
  readonly followUps?: readonly Rollout[];
}

/** The lab parts a fault can touch. */
export interface FaultContext {
  readonly scenario: Scenario;
  readonly load: LabLoad;
  readonly ingressUrl: string;
  readonly repo: LabRepo;
  readonly dependency: DependencyHandle | undefined;
  /** Signals the running service (builtin target only). */
  readonly kill: ((signal: NodeJS.Signals) => boolean) | undefined;
  /** Deploys a ref as the fault (builtin target only). */
  readonly deploy: ((ref: string, reason: string) => Promise<Rollout>) | undefined;
  /** URLs a `command` fault gets in its environment. */
  readonly env: Readonly<Record<string, string>>;
  readonly logger: Logger;
}

/** Thrown when a fault cannot be applied (no process to kill, the fault command failed, ...). */
export class FaultInjectionError extends Error {
  override readonly name = 'FaultInjectionError';
}

type Json = Record<string, unknown>;

export { mergeConfig };

/**
 * Applies the scenario's fault once. A bad release's follow-ups are applied before this resolves (each at
 * its `afterMs` from the start); `signal` cuts the wait between them.
 */
export async function applyFault(ctx: FaultContext, signal?: AbortSignal): Promise<FaultInjection> {
  const fault = ctx.scenario.fault;
  const at = new Date().toISOString();
  const base = { kind: fault.kind, description: fault.description, at };
  switch (fault.kind) {
    case 'traffic': {
      const load = ctx.scenario.load;
      const samePath = fault.path === undefined || fault.path === load.path;
      await ctx.load.start({
        name: 'fault',
        url: ctx.ingressUrl,
        path: fault.path ?? load.path,
        method: fault.method ?? (samePath ? load.method : 'POST'),
        body: fault.body ?? (samePath ? load.body : undefined),
        // A multiplier is of the total: 3x baseline means two more baselines on top of the one running.
        ratePerSec: fault.ratePerSec ?? load.baselineRatePerSec * ((fault.multiplier ?? 2) - 1),
        durationMs: fault.durationMs,
        requestTimeoutMs: load.requestTimeoutMs,
        loop: false,
      });
      return base;
    }
    case 'dependency-outage': {
      if (!ctx.dependency) throw new FaultInjectionError('the scenario has no lab dependency to fail');
      await ctx.dependency.fail(fault.durationMs);
      return base;
    }
    case 'kill-service': {
      if (!ctx.kill?.(fault.signal)) throw new FaultInjectionError('no service process is running to kill');
      return base;
    }
    case 'bad-release': {
      const deploy = ctx.deploy;
      if (!deploy) throw new FaultInjectionError('bad-release needs the builtin target');
      const started = Date.now();
      const rollout = await release(ctx, deploy, fault.config, fault.message);
      const followUps: Rollout[] = [];
      for (const followUp of fault.followUps) {
        await sleep(Math.max(0, started + followUp.afterMs - Date.now()), undefined, signal ? { signal } : {});
        followUps.push(await release(ctx, deploy, followUp.config, followUp.message));
      }
      return { ...base, rollout, ...(followUps.length > 0 ? { followUps } : {}) };
    }
    case 'none':
      return base;
    case 'command': {
      await runFaultCommand(fault.run, ctx.env);
      return base;
    }
  }
}

/** Commits `config` merged over main's service.config.json to main, as the team's release would, and deploys main. */
async function release(ctx: FaultContext, deploy: NonNullable<FaultContext['deploy']>, config: Json, baseMessage: string): Promise<Rollout> {
  const git = await openRepo(ctx.repo.repoDir);
  const current = JSON.parse(await git.text(['show', 'main:service.config.json'])) as Json;
  const next = mergeConfig(current, config);
  const version = isObject(next.service) && typeof next.service.version === 'string' ? next.service.version : undefined;
  const message = version && !baseMessage.includes(version) ? `${baseMessage} ${version}` : baseMessage;
  const sha = await ctx.repo.commitFile({ path: 'service.config.json', content: toJsonFile(next), message });
  ctx.logger.info({ sha, message }, 'fault: release committed to main, deploying');
  return deploy('main', message);
}

function runFaultCommand(run: Extract<ScenarioFault, { kind: 'command' }>['run'], env: Readonly<Record<string, string>>): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(run.command, [...run.args], { cwd: run.cwd, env: { ...process.env, ...run.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr = (stderr + c.toString('utf8')).slice(-4_000)));
    const timer = setTimeout(() => child.kill('SIGKILL'), run.timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(new FaultInjectionError(`fault command could not start: ${err.message}`));
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new FaultInjectionError(`fault command exited with ${code ?? signal}${stderr ? `: ${stderr.trim()}` : ''}`));
    });
  });
}
