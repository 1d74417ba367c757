import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino, type Logger } from 'pino';
import { sleep } from '../primitives/abort.js';
import { parseAlert, type Alert } from '../workflows/alert.js';
import { blindAlert, findLeaks, leakTerms, type LeakTerms } from './blind.js';
import type { DrillLab, Responder, ResponderLab, StartDrillLab } from './lab-port.js';
import { PhaseClock, type DrillProgress } from './phases.js';
import { planFromScenario } from './plan.js';
import { buildDrillResult, type DrillFacts } from './result.js';
import type { Scenario } from './scenario.js';
import type { DrillResult } from './types.js';

export interface RunDrillOptions {
  /** Runs the incident response; see Responder. */
  respond: Responder;
  /** Label of the model behind the responder, until its incident record says (default 'none'). */
  model?: string;
  /** Cancels the drill (Ctrl-C): the current phase stops, the lab is still torn down, the result says cancelled. */
  signal?: AbortSignal;
  logger?: Logger;
  /** Parent directory for the drill's scratch directory (default the OS temp dir). */
  workDir?: string;
  onProgress?: (progress: DrillProgress) => void;
  /** Starts the lab; default the real one (src/lab). */
  startLab?: StartDrillLab;
  /** Upper bound on tearing the lab down (default 60 s). */
  teardownMs?: number;
}

/**
 * Runs one incident drill: start the lab -> warm up (baseline traffic, SLOs holding) -> inject the fault ->
 * wait for the alert (TTD, from injection) -> hand the alert and the lab's tools to the responder -> wait
 * for the SLOs to hold again (TTM, from injection) -> tear down, always: on success, on failure, on Ctrl-C.
 *
 * Never throws for a failed drill: the result says what failed and why (a phase past its limit, the
 * responder's error, a wrong diagnosis). The responder never sees the scenario: it gets the alert with any
 * label that would give the answer away removed, the lab's MCP config and the service's repository and
 * SLOs; if any of those names the scenario or its expected category, the drill fails at start.
 */
export async function runDrill(scenario: Scenario, opts: RunDrillOptions): Promise<DrillResult> {
  const plan = planFromScenario(scenario);
  const logger = (opts.logger ?? pino({ level: 'silent' })).child({ drill: plan.name });
  const signal = opts.signal ?? new AbortController().signal;
  const clock = new PhaseClock(plan.name, signal, opts.onProgress);
  const terms = leakTerms(plan);
  const facts: DrillFacts = { plan, model: opts.model ?? 'none', startedAt: Date.now(), endedAt: 0, cancelled: false, phases: clock.records, series: [], forgeEvents: [], rollouts: [] };
  // The scratch dir's name reaches tool arguments (log files, checkouts): it must not name the scenario.
  const workDir = await mkdtemp(join(opts.workDir ?? tmpdir(), 'firebreak-drill-'));
  const { limits } = plan;
  let lab: DrillLab | undefined;
  try {
    lab = await clock.run('start', limits.start, async (s) => {
      const started = await (opts.startLab ?? (await defaultStartLab()))(scenario, { signal: s, workDir, logger });
      lab = started; // so a leak check failure still tears it down
      const leaked = findLeaks(responderLab(started, scenario), terms.all, 'lab');
      if (leaked.length > 0) throw new Error(`what the responder would be handed names the scenario or its answer (${leaked.join(', ')})`);
      return started;
    });
    const running = lab;
    await clock.run('warmup', limits.warmup, async (s, deadline) => {
      await sleep(plan.warmupMs, s);
      await running.waitForSlos({ holdSeconds: plan.warmupHoldSeconds, signal: s, deadline });
    });
    facts.injectedAt = Date.now();
    await clock.run('inject', limits.detect, (s) => running.inject(s));
    // Injection counts against the detect limit: TTD runs from injection.
    const raw = await clock.run('detect', limits.detect, (s, deadline) => running.waitForAlert({ signal: s, deadline }), { deadline: facts.injectedAt + limits.detect });
    facts.alertAt = Date.now();
    const alert = blindedAlert(raw, terms, logger);
    facts.alert = alert;
    facts.responseStartedAt = Date.now();
    const handed = responderLab(running, scenario);
    const record = await clock.run('respond', limits.respond, (s) => opts.respond(alert, handed, s));
    facts.record = record;
    // Recovery may predate this phase (the responder verifies its own fix): look back to the response start.
    const since = facts.responseStartedAt;
    const held = await clock.run('verify', limits.verify, (s, deadline) => running.waitForSlos({ holdSeconds: plan.recoveryHoldSeconds, signal: s, deadline, since }));
    facts.recoveredAt = held.heldSince;
  } catch (err) {
    facts.cancelled = signal.aborted;
    logger.warn({ err: err instanceof Error ? err.message : String(err) }, facts.cancelled ? 'drill cancelled' : 'drill phase failed');
  } finally {
    if (lab) await collectAndStop(lab, facts, clock, logger, opts.teardownMs ?? 60_000);
    await rm(workDir, { recursive: true, force: true }).catch(() => undefined);
  }
  facts.endedAt = Date.now();
  const result = buildDrillResult(facts);
  logger.info({ passed: result.passed, reason: result.reason, ttdMs: result.score.ttdMs, ttmMs: result.score.ttmMs }, 'drill finished');
  return result;
}

/** What the responder is handed: the lab's tools and the service's ordinary config (repository, SLOs). */
function responderLab(lab: DrillLab, scenario: Scenario): ResponderLab {
  const repo = scenario.target.repo;
  return {
    respondWithinMs: scenario.limits.respond,
    mcpServers: lab.mcpServers,
    service: {
      repository: `${repo.owner}/${repo.name}`,
      baseBranch: 'main',
      slos: scenario.slos.checks.map((c) => ({ name: c.name, expr: c.expr, op: c.op, threshold: c.threshold })),
      holdSeconds: scenario.slos.holdSeconds,
    },
  };
}

/** Parses the lab's alert and removes anything that would leak the answer, saying what it removed. */
function blindedAlert(raw: unknown, terms: LeakTerms, logger: Logger): Alert {
  const { alert, dropped } = blindAlert(parseAlert(raw), terms);
  if (dropped.length > 0) logger.warn({ dropped }, 'removed alert fields that name the scenario or its answer (fix the scenario\'s alert rules)');
  return alert;
}

/** Reads the series, rollouts, forge events and harm evidence for the report, then stops the lab — whatever happened before. */
async function collectAndStop(lab: DrillLab, facts: DrillFacts, clock: PhaseClock, logger: Logger, teardownMs: number): Promise<void> {
  const signal = new AbortController().signal; // teardown runs even when the drill was cancelled
  await clock.run('teardown', teardownMs, async (s) => {
    try {
      facts.series = await lab.series(AbortSignal.any([s, AbortSignal.timeout(15_000)]));
    } catch (err) {
      logger.warn({ err: (err as Error).message }, 'could not read the metrics series for the report');
    }
    try {
      facts.rollouts = lab.rollouts();
      facts.forgeEvents = lab.forgeEvents();
    } catch (err) {
      logger.warn({ err: (err as Error).message }, 'could not read rollouts or forge events for the report');
    }
    if (facts.responseStartedAt !== undefined && lab.evidence) {
      try {
        facts.evidence = await lab.evidence({ responseStartedAt: facts.responseStartedAt, signal: AbortSignal.any([s, AbortSignal.timeout(15_000)]) });
      } catch (err) {
        // Reported in the score as rules not checked, never silently as "no harm".
        facts.evidence = { notMeasured: [`harm evidence: ${(err as Error).message}`] };
        logger.warn({ err: (err as Error).message }, 'could not gather the harm evidence');
      }
    }
    await lab.stop();
  }, { cancel: signal }).catch((err: unknown) => logger.error({ err: (err as Error).message }, 'lab teardown failed'));
}

async function defaultStartLab(): Promise<StartDrillLab> {
  return (await import('./lab-adapter.js')).startDrillLab;
}
