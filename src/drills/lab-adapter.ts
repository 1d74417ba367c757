import { LabWaitTimeoutError } from '../lab/lab-errors.js';
import { startLab, type Lab } from '../lab/lab.js';
import type { Rollout } from '../lab/deployer/types.js';
import { gatherEvidence } from './evidence.js';
import type { DrillLab, StartDrillLab } from './lab-port.js';
import type { RolloutEvent } from './markers.js';
import { PhaseDeadlineError } from './phases.js';
import { recoveryStart } from './recovery.js';

/** The real lab (src/lab) behind the runner's port. */
export const startDrillLab: StartDrillLab = async (scenario, opts) => drillLab(await startLab(scenario, { signal: opts.signal, workDir: opts.workDir, logger: opts.logger }));

/** Adapts a started Lab to the runner's port: deadlines instead of timeouts, normalised rollouts. */
export function drillLab(lab: Lab): DrillLab {
  const remaining = (deadline: number): number => Math.max(1, deadline - Date.now());
  return {
    mcpServers: lab.mcpServers,
    async inject(signal) {
      await lab.inject({ signal });
    },
    waitForAlert: ({ signal, deadline }) => deadlined(lab.waitForAlert({ signal, timeoutMs: remaining(deadline) })),
    async waitForSlos({ holdSeconds, signal, deadline, since }) {
      const report = await deadlined(lab.waitForSlos({ holdSeconds, signal, timeoutMs: remaining(deadline) }));
      // The checks held at least from heldForMs before the report; the range evaluation may find earlier.
      const observed = Date.parse(report.at) - (report.heldForMs ?? 0);
      if (since === undefined || since >= observed) return { heldSince: observed };
      const earlier = await recoveredSince(lab, since, Date.parse(report.at)).catch(() => undefined);
      return { heldSince: earlier !== undefined ? Math.min(earlier, observed) : observed };
    },
    async series(signal) {
      signal.throwIfAborted();
      return (await lab.series()).map((p) => ({ t: p.t, errorRate: p.errorRate, p95Seconds: p.p95Seconds }));
    },
    rollouts: () => lab.rollouts().map(rolloutEvent),
    forgeEvents: () => lab.forge.events.list(),
    async evidence({ responseStartedAt, signal }) {
      signal.throwIfAborted();
      return gatherEvidence(lab, responseStartedAt);
    },
    stop: () => lab.stop(),
  };
}

/** Evaluates the scenario's SLO checks over [since, until] in Prometheus and finds when they began to hold. */
async function recoveredSince(lab: Lab, since: number, until: number): Promise<number | undefined> {
  const checks = lab.scenario.slos.checks;
  const startS = Math.ceil(since / 1000);
  const endS = Math.floor(until / 1000);
  if (endS <= startS) return undefined;
  const series = await Promise.all(checks.map((c) => lab.prometheus.queryRange(c.expr, { start: startS, end: endS, stepSeconds: 1 })));
  return recoveryStart(checks, series.map((s) => s[0]?.values ?? []), { startS, endS, stepSeconds: 1 });
}

/** The deployer's rollout as a chart marker / side effect. */
export function rolloutEvent(r: Rollout): RolloutEvent {
  return { at: r.finishedAt ?? r.startedAt, startedAt: r.startedAt, kind: r.kind, ok: r.outcome === 'succeeded', ref: r.ref, trigger: r.trigger };
}

/** The lab's own wait timeout, as the phase's deadline (its detail — pending alerts, failing checks — kept). */
async function deadlined<T>(p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (err) {
    if (err instanceof LabWaitTimeoutError) throw new PhaseDeadlineError(err.message);
    throw err;
  }
}
