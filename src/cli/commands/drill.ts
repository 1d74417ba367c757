import { resolve } from 'node:path';
import type { Command } from '../command.js';
import { UsageError } from '../command.js';
import { parseArgv } from '../args.js';
import { DrillInputError, ResponderUnavailableError } from '../../drills/errors.js';
import { modelChoiceLabel, parseModelChoice, type ModelChoice } from '../../drills/model-choice.js';
import { ProgressDisplay } from '../../drills/progress-display.js';
import { renderSummaryTable } from '../../drills/report/summary.js';
import { defaultPostmortem, defaultResponder } from '../../drills/responder.js';
import { runDrills } from '../../drills/run-many.js';
import { listScenarios, loadScenario, ScenarioError, ScenarioNotFoundError, type Scenario } from '../../drills/scenario.js';
import { stderrLogger } from '../../primitives/logger.js';

const usage = `usage: firebreak drill list
       firebreak drill run <name|file>... [options]
       firebreak drill run --all [options]

Runs incident drills: starts a lab, injects the scenario's fault, lets the personas detect, fix, deploy
and verify, and scores the result (detected, localized, root cause, mitigated, TTD, TTM).

options:
  --all            run every shipped scenario
  --model M        playbook (default, no LLM) | anthropic[:MODEL] (needs ANTHROPIC_API_KEY) | replay:FILE
  --out DIR        report directory (default ./drill-reports): DIR/<scenario>/report.{json,html}, postmortem.md
  --junit FILE     JUnit XML for the run (default DIR/junit.xml)

exit status: 0 every drill passed, 1 a drill failed, 2 bad input, 130 interrupted.
Logs go to stderr as JSON (level: FIREBREAK_LOG_LEVEL, default warn).`;

export interface DrillRunArgs {
  targets: string[];
  all: boolean;
  model: ModelChoice;
  outDir: string;
  junitFile: string;
}

/** Parses `drill run` arguments; throws UsageError (exit 2) naming the bad flag. */
export function parseDrillRunArgs(argv: readonly string[], env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): DrillRunArgs {
  const { values, positionals: targets } = parseArgv(argv, {
    options: { all: { type: 'boolean' }, model: { type: 'string' }, out: { type: 'string' }, junit: { type: 'string' } },
    others: 'positionals',
  });
  const all = values.all === true;
  const model = values.model ?? 'playbook';
  const { out, junit } = values;
  if (all && targets.length > 0) throw new UsageError('give scenario names or --all, not both');
  if (!all && targets.length === 0) throw new UsageError('name at least one scenario (see `firebreak drill list`) or pass --all');
  let choice: ModelChoice;
  try {
    choice = parseModelChoice(model, env);
  } catch (err) {
    if (err instanceof DrillInputError) throw new UsageError(err.message);
    throw err;
  }
  const outDir = resolve(cwd, out ?? 'drill-reports');
  return { targets, all, model: choice, outDir, junitFile: resolve(cwd, junit ?? `${outDir}/junit.xml`) };
}

/** Loads every scenario before any lab starts, so a typo fails in a second with exit 2, not after a drill. */
async function loadTargets(args: DrillRunArgs): Promise<Scenario[]> {
  try {
    if (args.all) return await Promise.all((await listScenarios()).map((s) => loadScenario(s.file)));
    return await Promise.all(args.targets.map((t) => loadScenario(t)));
  } catch (err) {
    if (err instanceof ScenarioNotFoundError || err instanceof ScenarioError) throw new UsageError(err.message);
    throw err;
  }
}

async function list(): Promise<number> {
  let scenarios;
  try {
    scenarios = await listScenarios();
  } catch (err) {
    if (err instanceof ScenarioError) throw new UsageError(err.message);
    throw err;
  }
  const width = Math.max(4, ...scenarios.map((s) => s.name.length));
  for (const s of scenarios) process.stdout.write(`${s.name.padEnd(width)}  ${s.title}${s.seed ? ` (seed ${s.seed})` : ''}${s.target === 'custom' ? ' [custom target]' : ''}\n`);
  return 0;
}

async function run(argv: string[]): Promise<number> {
  const args = parseDrillRunArgs(argv);
  const scenarios = await loadTargets(args);
  if (scenarios.length === 0) throw new UsageError('no scenarios to run');
  const logger = stderrLogger('firebreak-drill', 'error');
  let respond;
  try {
    respond = await defaultResponder(args.model, { logger });
  } catch (err) {
    if (!(err instanceof ResponderUnavailableError)) throw err;
    process.stderr.write(`firebreak drill: ${err.message}\n`);
    return 1;
  }

  const controller = new AbortController();
  let interrupts = 0;
  const onSignal = (sig: NodeJS.Signals): void => {
    // First Ctrl-C: stop the current drill cleanly (the lab is torn down, reports are written). Second: give up.
    if (++interrupts > 1) process.exit(130);
    process.stderr.write(`\nfirebreak drill: ${sig}, stopping the drill and tearing the lab down (again to force)\n`);
    controller.abort(new DOMException(`drill interrupted by ${sig}`, 'AbortError'));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const display = new ProgressDisplay(process.stderr);
  try {
    const summary = await runDrills(scenarios, {
      respond,
      model: modelChoiceLabel(args.model),
      signal: controller.signal,
      logger,
      outDir: args.outDir,
      junitFile: args.junitFile,
      postmortem: defaultPostmortem(),
      onProgress: (p) => display.update(p),
      onResult: (r, files) => {
        display.stop();
        process.stderr.write(`${r.scenario}: ${r.passed ? 'PASS' : r.cancelled ? 'CANCELLED' : `FAIL (${r.reason ?? 'failed'})`} — ${files.html}\n`);
      },
    });
    display.stop();
    process.stdout.write(`${renderSummaryTable(summary.results)}\nreports: ${args.outDir}\njunit: ${summary.junitFile}\n`);
    return summary.cancelled ? 130 : summary.passed ? 0 : 1;
  } finally {
    display.stop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

export const drillCommand: Command = {
  name: 'drill',
  summary: 'run incident drills against a local lab and write scored reports (list | run <name>... | run --all)',
  usage,
  async run(argv) {
    const [sub, ...rest] = argv;
    if (sub === 'list') return list();
    if (sub === 'run') return run(rest);
    throw new UsageError(sub === undefined ? 'expected a sub-command: list or run' : `unknown sub-command '${sub}' (expected list or run)`);
  },
};
