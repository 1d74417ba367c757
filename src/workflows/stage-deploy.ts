import type { PersonaStep } from '../personas/persona.js';
import { provide } from '../personas/runtime.js';
import { backoff, fallback, named, retry, step } from '../primitives/index.js';
import type { Context, Step } from '../primitives/types.js';
import type { ToolSet } from '../tools/types.js';
import { guardActions, target, type ActionScope } from './action-guard.js';
import { IncidentBudgetError } from './budget.js';
import { describeRelease, sameRelease, type ReleaseRef } from './changes.js';
import { ActionFailedError, ActionRefusedError, NoFixToDeployError, NoRemedyError } from './errors.js';
import type { DevopsAction, DevopsActionResult, DevopsStageReport, VerificationResult } from './outputs.js';
import { stage } from './stage.js';
import { toolData } from './tool-data.js';
import { personaInput, type IncidentState } from './state.js';
import { remaining } from './state-budget.js';
import { describeChecks, VerificationFailedError, verifySlos, withChecks, type VerificationSettings } from './verify.js';

/**
 * Stage 3 (devops), first do no harm:
 *
 *   fallback(
 *     deploy-fix   merge + deploy the incident's PR (retried), then verify the SLOs AND the fix's expected effect
 *     rollback     to the last KNOWN-GOOD release (live before the suspect change) — never "the previous one"
 *     restore      put back the release that ran when the response began: leave it no worse than found
 *     maintenance  only with a human's approval, whatever the policy (the approval gate enforces it)
 *   )
 *
 * Each alternative decides whether it applies (no PR: no deploy-fix; no suspect change: no known-good release;
 * nothing changed by us: nothing to restore) and the devops persona may only touch what the workflow chose
 * (action-guard.ts). `remedy: wait` (a third-party outage) acts on nothing: it tells the channel and watches.
 */

export interface DeployStageOptions {
  devops: PersonaStep<DevopsActionResult>;
  tools: ToolSet;
  verification: VerificationSettings;
  /** Deploy attempts (counting the first) for failures that may be transient; default 2. */
  deployAttempts?: number;
  deployBackoffMs?: number;
  /** After the pre-incident release is back and still unhealthy: ask a human for maintenance mode (default), or stop. */
  lastResort?: 'maintenance' | 'none';
  /** How long `remedy: wait` watches for the service to recover by itself (default 900 s). */
  waitSeconds?: number;
  /** Tells the channel while waiting (the notify stage's sender). */
  announce?: (state: IncidentState, text: string, ctx: Context) => Promise<void>;
  /** The deploy tool that reports the running release (default deploy.rollout_status). */
  rolloutsTool?: string;
}

/** An alternative that does not apply to this incident (the fallback moves on, and the reason is kept). */
class NotApplicableError extends Error {
  override readonly name = 'NotApplicableError';
}

/** The pre-incident release is back; the service is as the response found it, not fixed. */
class RestoredError extends Error {
  override readonly name = 'RestoredError';
}

/** What stage 3 has done so far in one run; alternatives of the fallback read it (e.g. why the fix failed). */
interface Progress {
  actions: DevopsActionResult[];
  verifications: VerificationResult[];
  reasons: string[];
  /** This incident changed the running release (a deploy or rollback ran, even one that failed). */
  changedRelease: boolean;
  restored: boolean;
  /** Alternatives that did not apply, and why. */
  skipped: string[];
}

const TASKS: Record<DevopsAction, (state: IncidentState, detail: string, to?: ReleaseRef) => string> = {
  deploy: (s, d) => {
    const pr = s.fix?.pullRequest;
    const repo = s.incident.repository;
    return `Merge pull request #${pr?.number} (${pr?.url}) of ${repo?.owner}/${repo?.repo} into ${repo?.baseBranch} (squash), then deploy the merge commit with the deploy tool.${d} `
      + 'Report status succeeded only if the deploy tool reported success; refused if an approval was rejected. Do not roll back and do not verify: the workflow measures recovery.';
  },
  rollback: (_s, d, to) => `Roll back the service to release ${describeRelease(to)} with the deploy tool's rollback, passing to: "${to ? target(to) : ''}" (no other release). ${d} Report status succeeded only if the rollback tool reported success; refused if an approval was rejected.`,
  maintenance: (_s, d) => `Turn maintenance mode ON with the deploy tool (it sheds all traffic; a human must approve it). Why: ${d} Report what the tool answered.`,
};

export function deployStage(opts: DeployStageOptions): Step<IncidentState, IncidentState> {
  const progress = new Map<string, Progress>();
  const of = (ctx: Context): Progress => {
    let p = progress.get(ctx.runId);
    if (!p) progress.set(ctx.runId, (p = { actions: [], verifications: [], reasons: [], changedRelease: false, restored: false, skipped: [] }));
    return p;
  };
  const inTime = (state: IncidentState, what: string): void => {
    if (remaining(state) <= 0) throw new IncidentBudgetError(`the incident's time budget is spent: ${what} not attempted`);
  };

  // Runs the devops persona for one action, with tools scoped to what the workflow chose; a retried deploy runs
  // under `attempt-<n>/`, so it is a new conversation rather than a replay of the failed one from the journal.
  const act = async (action: DevopsAction, state: IncidentState, detail: string, ctx: Context, to?: ReleaseRef): Promise<DevopsActionResult> => {
    const pr = state.fix?.pullRequest ?? undefined;
    const extra = { workflow: { action, attempt: ctx.attempt, ...(pr ? { pullRequest: pr } : {}), ...(to ? { to: target(to), release: to } : {}) } };
    const input = personaInput(state, TASKS[action](state, detail, to), extra);
    const repo = state.incident.repository;
    const scope: ActionScope = { action, ...(pr ? { pullRequest: pr.number } : {}), ...(repo ? { repository: { owner: repo.owner, repo: repo.repo } } : {}), ...(to ? { rollbackTo: to } : {}) };
    const persona = ctx.attempt > 1 ? named(`attempt-${ctx.attempt}`, opts.devops) : opts.devops;
    if (action !== 'maintenance') of(ctx).changedRelease = true;
    const result = await ctx.run(provide({ toolset: guardActions(opts.tools, scope) }, persona), input);
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
    const effect = target === 'fix' ? (state.fix?.expectedEffect?.checks ?? []).map((c) => ({ ...c, name: `effect.${c.name}` })) : [];
    const settings = withChecks(opts.verification, effect, remaining(state));
    try {
      return await verifySlos(target, state.incident, settings, opts.tools, ctx);
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
    if (state.fix?.remedy !== 'pull-request' || !state.fix.pullRequest) throw new NotApplicableError('no fix to deploy');
    inTime(state, 'the fix deploy');
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
    const good = state.incident.changes?.knownGood;
    if (!good) throw new NotApplicableError('no known-good release: no release changed before the incident, so a rollback would only restart what runs');
    if (!good.releaseId && !good.revision) throw new NotApplicableError(`the known-good release ${describeRelease(good)} has no release id or revision the deployer can roll back to`);
    const running = (await runningRelease(opts.tools, opts.rolloutsTool ?? 'deploy.rollout_status', ctx)) ?? (of(ctx).changedRelease ? undefined : state.incident.changes?.current);
    if (sameRelease(good, running)) throw new NotApplicableError(`the known-good release ${describeRelease(good)} is already running`);
    inTime(state, 'the rollback');
    const why = `Why: ${of(ctx).reasons.at(-1) ?? state.incident.changes?.suspect?.reason ?? 'the running release is suspect'}. It is the last release live and healthy before the incident began.`;
    const action = await ctx.run(step('rollback-action', (s: IncidentState, c) => act('rollback', s, why, c, good), { sideEffect: true }), state);
    note(of(ctx).actions, action);
    const verification = await ctx.run(step('verify-rollback', (s: IncidentState, c) => verify('rollback', s, c)), state);
    note(of(ctx).verifications, verification);
    return { action, verification };
  });

  const restore = step('restore', async (state: IncidentState, ctx) => {
    const before = state.incident.changes?.current;
    if (!before || !(before.releaseId || before.revision)) throw new NotApplicableError('the release running when the response began is unknown: it cannot be restored');
    // Measured, not assumed: a refused merge changed nothing, a failed deploy may have.
    const running = await runningRelease(opts.tools, opts.rolloutsTool ?? 'deploy.rollout_status', ctx);
    const changed = running === undefined ? of(ctx).changedRelease : !sameRelease(running, before);
    if (!changed) throw new NotApplicableError(`the release running is ${describeRelease(before)}, the one the response began with: nothing to restore`);
    const why = `Why: ${of(ctx).reasons.join('; ') || 'the changes made during this incident did not restore the service'}. It is the release that was running when the response began: the service must be left no worse than it was found.`;
    const action = await ctx.run(step('restore-action', (s: IncidentState, c) => act('rollback', s, why, c, before), { sideEffect: true }), state);
    note(of(ctx).actions, action);
    of(ctx).restored = true;
    throw new RestoredError(`restored ${describeRelease(before)}, the release running when the response began; the incident is not fixed`);
  });

  const maintenance = step('maintenance', async (state: IncidentState, ctx) => {
    inTime(state, 'maintenance mode');
    const why = `${of(ctx).reasons.join('; ') || 'neither a fix nor a rollback restored the service.'}`;
    const action = await ctx.run(step('maintenance-action', (s: IncidentState, c) => act('maintenance', s, why, c), { sideEffect: true }), state);
    note(of(ctx).actions, action);
    return { action, verification: null };
  });

  const chain = opts.lastResort === 'none' ? fallback(deployFix, rollback, restore) : fallback(deployFix, rollback, restore, maintenance);

  const wait = step('wait', async (state: IncidentState, ctx) => {
    const minutes = Math.round((opts.waitSeconds ?? 900) / 60);
    await opts.announce?.(state, `Incident ${state.incident.id}: ${state.assessment?.summary ?? state.incident.title} Nothing of ours to change: watching for recovery for up to ${minutes} min, then escalating.`, ctx);
    const settings = { ...opts.verification, deadlineSeconds: Math.min(opts.waitSeconds ?? 900, remaining(state)) };
    return verifySlos('wait', state.incident, settings, opts.tools, ctx);
  });

  return stage('deploy', 'devops', async (state, ctx) => {
    const remedy = state.fix?.remedy;
    try {
      if (remedy === 'none' || remedy === undefined) throw new NoRemedyError(state.fix ? 'the backend stage proposed no change and no rollback' : 'the backend stage did not run');
      if (remedy === 'wait') {
        note(of(ctx).verifications, await ctx.run(wait, state));
      } else {
        const done = await ctx.run(chain, state);
        // A fallback alternative replayed whole from the journal ran none of the code above: note its output.
        note(of(ctx).actions, done.action);
        if (done.verification) note(of(ctx).verifications, done.verification);
      }
    } catch (err) {
      if (ctx.signal.aborted) {
        progress.delete(ctx.runId);
        throw err;
      }
      if (err instanceof VerificationFailedError) note(of(ctx).verifications, err.result);
      for (const e of causes(err)) {
        if (e instanceof NotApplicableError) note(of(ctx).skipped, e.message);
        else if (!(e instanceof VerificationFailedError) && !(e instanceof RestoredError)) note(of(ctx).reasons, e.message);
      }
    }
    const report = buildReport(state, of(ctx), remedy === 'wait');
    progress.delete(ctx.runId);
    ctx.emit('devops.outcome', { outcome: report.outcome, summary: report.summary, report });
    return { ...state, devops: report };
  });
}

/** The release the deploy tool says is running, or undefined when it cannot tell. */
async function runningRelease(tools: ToolSet, tool: string, ctx: Context): Promise<ReleaseRef | undefined> {
  if (!tools.list().some((t) => t.name === tool)) return undefined;
  const result = await tools.call(tool, { limit: 1 }, { ctx, signal: ctx.signal });
  if (result.isError) return undefined;
  const current = toolData(result).current as { releaseId?: unknown; revision?: unknown } | undefined;
  if (!current || (typeof current.releaseId !== 'string' && typeof current.revision !== 'string')) return undefined;
  return { ...(typeof current.releaseId === 'string' ? { releaseId: current.releaseId } : {}), ...(typeof current.revision === 'string' ? { revision: current.revision } : {}) };
}

/** The errors behind a fallback's failure (it throws an aggregate of its alternatives' errors). */
function causes(err: unknown): Error[] {
  if (err instanceof AggregateError) return err.errors.flatMap(causes);
  const inner = (err as { errors?: unknown[] } | undefined)?.errors;
  if (Array.isArray(inner)) return inner.flatMap(causes);
  return [err instanceof Error ? err : new Error(String(err))];
}

/** Appends `item` unless an equal one is already there (a replayed output equals the one noted live). */
function note<T>(list: T[], item: T): void {
  const json = JSON.stringify(item);
  if (!list.some((x) => JSON.stringify(x) === json)) list.push(item);
}

function buildReport(state: IncidentState, p: Progress, waited: boolean): DevopsStageReport {
  const deployAction = p.actions.filter((a) => a.action === 'deploy').at(-1);
  const rollbacks = p.actions.filter((a) => a.action === 'rollback' && a.status === 'succeeded');
  const maintenanceOn = p.actions.some((a) => a.action === 'maintenance' && a.status === 'succeeded');
  const verified = (t: VerificationResult['target']): boolean => p.verifications.some((v) => v.target === t && v.healthy);
  const last = p.verifications.at(-1);
  const outcome: DevopsStageReport['outcome'] = verified('fix') ? 'fix-verified' : verified('rollback') ? 'rollback-verified' : verified('wait') ? 'recovered'
    : maintenanceOn ? 'maintenance' : p.restored ? 'restored' : 'failed';
  const checks = (last?.checks ?? []).map((c) => ({ query: c.query, value: c.value ?? Number.NaN, threshold: c.threshold, ok: c.ok }))
    // JSON has no NaN: a check without data is reported with value -1 and ok false.
    .map((c) => (Number.isFinite(c.value) ? c : { ...c, value: -1 }));
  const why = p.reasons.length > 0 ? p.reasons : p.skipped;
  const off = 'Turn it off with the deploy tool\'s maintenance_mode { "enabled": false } once the service can serve again.';
  const summaries: Record<DevopsStageReport['outcome'], string> = {
    'fix-verified': `Deployed the fix (${deployAction?.ref ?? 'unknown ref'}); the SLO checks and the expected effect held for ${last?.heldSeconds.toFixed(0)} s.`,
    'rollback-verified': `Rolled back${rollbacks[0]?.ref ? ` to ${rollbacks[0].ref}` : ''}, the last known-good release; the SLO checks held for ${last?.heldSeconds.toFixed(0)} s. ${why[0] ?? ''}`.trim(),
    recovered: `Waited: nothing of ours was changed; the service recovered by itself and the SLO checks held for ${last?.heldSeconds.toFixed(0)} s.`,
    restored: `Not resolved: ${why.join('; ')}. The pre-incident release is back, so the service is no worse than it was found; a human must take over.`,
    maintenance: `Maintenance mode is ON (a human approved it): the service sheds all traffic. ${why.join('; ')} ${off}`,
    failed: waited
      ? `Not resolved: the service did not recover while we waited (${why.join('; ') || 'the SLO checks did not hold'}); nothing was changed. A human must take over.`
      : `Stage 3 could not restore the service: ${why.join('; ') || 'no action succeeded'}`,
  };
  return {
    deployment: {
      ref: deployAction?.ref ?? '',
      status: deployAction === undefined ? 'skipped' : deployAction.status === 'succeeded' ? 'succeeded' : deployAction.status === 'refused' ? 'skipped' : 'failed',
      ...(deployAction?.pullRequest ?? state.fix?.pullRequest?.number ? { pullRequest: deployAction?.pullRequest ?? state.fix!.pullRequest!.number } : {}),
    },
    verification: { healthy: last?.healthy ?? false, checks },
    rollback: { performed: rollbacks.length > 0, ...(rollbacks.length > 0 ? { reason: why[0] ?? 'the fix did not hold' } : {}) },
    maintenanceMode: maintenanceOn,
    summary: summaries[outcome],
    outcome,
    actions: p.actions,
    verifications: p.verifications,
  };
}
