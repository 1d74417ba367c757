import type { PersonaStep } from '../personas/persona.js';
import { backoff, fallback, named, retry, step } from '../primitives/index.js';
import type { Context, Step } from '../primitives/types.js';
import type { ToolSet } from '../tools/types.js';
import { ActionFailedError, ActionRefusedError, NoFixToDeployError, NoRemedyError } from './errors.js';
import type { DevopsAction, DevopsActionResult, DevopsStageReport, VerificationResult } from './outputs.js';
import { stage } from './stage.js';
import { personaInput, type IncidentState } from './state.js';
import { describeChecks, VerificationFailedError, verifySlos, type VerificationSettings } from './verify.js';

/**
 * Stage 3 (devops): fallback(deployFix, rollback, maintenanceMode), as in the seed.
 *   deployFix   = retry(deploy) then verify: the persona merges the PR and deploys it; the workflow measures.
 *   rollback    = the persona rolls back, then the workflow verifies again.
 *   maintenance = the persona turns maintenance mode on (last resort: it sheds all traffic).
 * A verification that does not hold by its deadline fails deployFix, so the fallback continues to rollback.
 */

export interface DeployStageOptions {
  devops: PersonaStep<DevopsActionResult>;
  tools: ToolSet;
  verification: VerificationSettings;
  /** Deploy attempts (counting the first) for failures that may be transient; default 2. */
  deployAttempts?: number;
  deployBackoffMs?: number;
  /** The last resort after a failed rollback; default 'maintenance'. */
  lastResort?: 'maintenance' | 'none';
}

/** What stage 3 has done so far in one run; alternatives of the fallback read it (e.g. why the fix failed). */
interface Progress {
  actions: DevopsActionResult[];
  verifications: VerificationResult[];
  reasons: string[];
}

const TASKS: Record<DevopsAction, (state: IncidentState, detail: string) => string> = {
  deploy: (s, d) => {
    const pr = s.fix?.pullRequest;
    const repo = s.incident.repository;
    return `Merge pull request #${pr?.number} (${pr?.url}) of ${repo?.owner}/${repo?.repo} into ${repo?.baseBranch} (squash), then deploy the merge commit with the deploy tool.${d} `
      + 'Report status succeeded only if the deploy tool reported success; refused if an approval was rejected. Do not roll back and do not verify: the workflow measures recovery.';
  },
  rollback: (_s, d) => `Roll back the service to its previous healthy release with the deploy tool. Why: ${d} Report status succeeded only if the rollback tool reported success; refused if an approval was rejected.`,
  maintenance: (_s, d) => `Turn maintenance mode ON with the deploy tool (it sheds all traffic: the last resort). Why: ${d} Report what the tool answered.`,
};

export function deployStage(opts: DeployStageOptions): Step<IncidentState, IncidentState> {
  const progress = new Map<string, Progress>();
  const of = (ctx: Context): Progress => {
    let p = progress.get(ctx.runId);
    if (!p) progress.set(ctx.runId, (p = { actions: [], verifications: [], reasons: [] }));
    return p;
  };

  // Runs the devops persona for one action; a retried deploy runs it under `attempt-<n>/`, so it is a new
  // conversation rather than a replay of the failed one from the journal.
  const act = async (action: DevopsAction, state: IncidentState, detail: string, ctx: Context): Promise<DevopsActionResult> => {
    const extra = { workflow: { action, attempt: ctx.attempt, ...(state.fix?.pullRequest ? { pullRequest: state.fix.pullRequest } : {}) } };
    const input = personaInput(state, TASKS[action](state, detail), extra);
    const persona = ctx.attempt > 1 ? named(`attempt-${ctx.attempt}`, opts.devops) : opts.devops;
    const result = await ctx.run(persona, input);
    // Failures are never journaled, so they are noted here; successes are noted by the caller, which also
    // sees them when they are replayed from the journal on resume.
    if (result.status === 'refused') {
      note(of(ctx).actions, result);
      throw new ActionRefusedError(action, result.summary);
    }
    if (result.status === 'failed') {
      note(of(ctx).actions, result);
      throw new ActionFailedError(action, result.summary);
    }
    return result;
  };

  const verify = async (target: VerificationResult['target'], state: IncidentState, ctx: Context): Promise<VerificationResult> => {
    try {
      return await verifySlos(target, state.incident, opts.verification, opts.tools, ctx);
    } catch (err) {
      if (err instanceof VerificationFailedError) {
        note(of(ctx).verifications, err.result);
        of(ctx).reasons.push(`the ${target} did not verify: ${describeChecks(err.result.checks)}`);
      }
      throw err;
    }
  };

  const deploy = step('deploy', async (state: IncidentState, ctx) => {
    if (!state.fix?.pullRequest || state.fix.remedy !== 'pull-request') throw new NoFixToDeployError(state.fix?.remedy ?? 'none');
    return act('deploy', state, ctx.attempt > 1 ? ` This is attempt ${ctx.attempt}: the previous one failed.` : '', ctx);
  }, { sideEffect: true });
  const retriedDeploy = retry(deploy, {
    attempts: opts.deployAttempts ?? 2,
    backoff: backoff.constant(opts.deployBackoffMs ?? 10_000),
    retryOn: (err) => err instanceof ActionFailedError,
  });

  const deployFix = step('deploy-fix', async (state: IncidentState, ctx) => {
    try {
      const action = await ctx.run(retriedDeploy, state);
      note(of(ctx).actions, action);
      const verification = await ctx.run(step('verify-fix', (s: IncidentState, c) => verify('fix', s, c)), state);
      note(of(ctx).verifications, verification);
      return { action, verification };
    } catch (err) {
      if (!(err instanceof VerificationFailedError)) of(ctx).reasons.push(err instanceof Error ? err.message : String(err));
      throw err;
    }
  });

  const rollback = step('rollback', async (state: IncidentState, ctx) => {
    if (state.fix?.remedy === 'none' && !state.fix.pullRequest) throw new NoRemedyError('the backend stage found no safe change and did not advise a rollback');
    const why = of(ctx).reasons.at(-1) ?? 'the fix could not be deployed.';
    const action = await ctx.run(step('rollback-action', (s: IncidentState, c) => act('rollback', s, why, c), { sideEffect: true }), state);
    note(of(ctx).actions, action);
    const verification = await ctx.run(step('verify-rollback', (s: IncidentState, c) => verify('rollback', s, c)), state);
    note(of(ctx).verifications, verification);
    return { action, verification };
  });

  const maintenance = step('maintenance', async (state: IncidentState, ctx) => {
    const why = `${of(ctx).reasons.join('; ') || 'neither the fix nor a rollback restored the service.'}`;
    const action = await ctx.run(step('maintenance-action', (s: IncidentState, c) => act('maintenance', s, why, c), { sideEffect: true }), state);
    note(of(ctx).actions, action);
    return { action, verification: null };
  });

  const chain = opts.lastResort === 'none' ? fallback(deployFix, rollback) : fallback(deployFix, rollback, maintenance);

  return stage('deploy', 'devops', async (state, ctx) => {
    try {
      if (state.fix?.remedy === 'none' && !state.fix.pullRequest) throw new NoRemedyError('the backend stage proposed no change and no rollback');
      const done = await ctx.run(chain, state);
      // A fallback alternative replayed whole from the journal ran none of the code above: note its output.
      note(of(ctx).actions, done.action);
      if (done.verification) note(of(ctx).verifications, done.verification);
    } catch (err) {
      if (ctx.signal.aborted) {
        progress.delete(ctx.runId);
        throw err;
      }
      of(ctx).reasons.push(err instanceof Error ? err.message : String(err));
    }
    const report = buildReport(state, of(ctx));
    progress.delete(ctx.runId);
    ctx.emit('devops.outcome', { outcome: report.outcome, summary: report.summary, report });
    return { ...state, devops: report };
  });
}

/** Appends `item` unless an equal one is already there (a replayed output equals the one noted live). */
function note<T>(list: T[], item: T): void {
  const json = JSON.stringify(item);
  if (!list.some((x) => JSON.stringify(x) === json)) list.push(item);
}

function buildReport(state: IncidentState, p: Progress): DevopsStageReport {
  const deployAction = p.actions.filter((a) => a.action === 'deploy').at(-1);
  const rolledBack = p.actions.find((a) => a.action === 'rollback' && a.status === 'succeeded');
  const maintenanceOn = p.actions.some((a) => a.action === 'maintenance' && a.status === 'succeeded');
  const fixVerified = p.verifications.some((v) => v.target === 'fix' && v.healthy);
  const rollbackVerified = p.verifications.some((v) => v.target === 'rollback' && v.healthy);
  const last = p.verifications.at(-1);
  const outcome: DevopsStageReport['outcome'] = fixVerified ? 'fix-verified' : rollbackVerified ? 'rollback-verified' : maintenanceOn ? 'maintenance' : 'failed';
  const checks = (last?.checks ?? []).map((c) => ({ query: c.query, value: c.value ?? Number.NaN, threshold: c.threshold, ok: c.ok }))
    // JSON has no NaN: a check without data is reported with value -1 and ok false.
    .map((c) => (Number.isFinite(c.value) ? c : { ...c, value: -1 }));
  const summaries: Record<DevopsStageReport['outcome'], string> = {
    'fix-verified': `Deployed the fix (${deployAction?.ref ?? 'unknown ref'}); the SLO checks held for ${last?.heldSeconds.toFixed(0)} s.`,
    'rollback-verified': `Rolled back${rolledBack?.ref ? ` to ${rolledBack.ref}` : ''}; the SLO checks held for ${last?.heldSeconds.toFixed(0)} s. ${p.reasons[0] ?? ''}`.trim(),
    maintenance: `Maintenance mode is on: the service sheds all traffic. ${p.reasons.join('; ')}`,
    failed: `Stage 3 could not restore the service: ${p.reasons.join('; ') || 'no action succeeded'}`,
  };
  return {
    deployment: {
      ref: deployAction?.ref ?? '',
      status: deployAction === undefined ? 'skipped' : deployAction.status === 'succeeded' ? 'succeeded' : deployAction.status === 'refused' ? 'skipped' : 'failed',
      ...(deployAction?.pullRequest ?? state.fix?.pullRequest?.number ? { pullRequest: deployAction?.pullRequest ?? state.fix!.pullRequest!.number } : {}),
    },
    verification: { healthy: last?.healthy ?? false, checks },
    rollback: { performed: rolledBack !== undefined, ...(rolledBack ? { reason: p.reasons[0] ?? 'the fix did not hold' } : {}) },
    maintenanceMode: maintenanceOn,
    summary: summaries[outcome],
    outcome,
    actions: p.actions,
    verifications: p.verifications,
  };
}
