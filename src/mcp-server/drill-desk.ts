import type { Logger } from 'pino';
import type { StartDrillLab, Responder } from '../drills/lab-port.js';
import type { PostmortemRenderer } from '../drills/report/postmortem.js';
import { runDrills } from '../drills/run-many.js';
import { abortReason } from '../primitives/abort.js';
import { listScenarios, loadScenario, ScenarioNotFoundError } from '../drills/scenario.js';
import { DrillBusyError, UnknownScenarioError } from './errors.js';
import type { DrillDesk, DrillInfo, DrillRunReport } from './types.js';

export interface DrillDeskOptions {
  /** Runs the incident response in each drill (drills' `defaultResponder(model)` in the CLI). */
  respond: Responder;
  /** Label of the model behind `respond`, for reports. */
  model: string;
  /** Reports go to `<outDir>/<scenario>/` (report.json, report.html, postmortem.md). */
  outDir: string;
  /** Scenario directory; default the shipped scenarios. */
  scenariosDir?: string;
  postmortem?: PostmortemRenderer;
  /** The lab; default the real one (src/lab). */
  startLab?: StartDrillLab;
  logger?: Logger;
}

/**
 * The drill desk `drill_list` / `drill_run` use, over src/drills: scenarios by name only (never a path —
 * a chat must not point the server at arbitrary files), one drill at a time, reports written as the CLI
 * writes them.
 * Gotcha: a second drill_run while one runs fails fast with DrillBusyError rather than queueing minutes of
 * hidden work behind a chat turn.
 */
export function drillDesk(opts: DrillDeskOptions): DrillDesk {
  const dirOpt = opts.scenariosDir ? { dir: opts.scenariosDir } : {};
  let running: string | undefined;
  return {
    async list(): Promise<DrillInfo[]> {
      return (await listScenarios(dirOpt)).map((s) => ({ name: s.name, title: s.title, ...(s.seed ? { seed: s.seed } : {}), target: s.target }));
    },
    async run(name, runOpts): Promise<DrillRunReport> {
      if (!/^[A-Za-z0-9][A-Za-z0-9_-]*$/.test(name)) throw new UnknownScenarioError(name, (await this.list()).map((s) => s.name));
      if (running) throw new DrillBusyError(running);
      running = name;
      try {
        let scenario;
        try {
          scenario = await loadScenario(name, dirOpt);
        } catch (err) {
          if (err instanceof ScenarioNotFoundError) throw new UnknownScenarioError(name, err.known);
          throw err;
        }
        let files: DrillRunReport['reports'] | undefined;
        const summary = await runDrills([scenario], {
          respond: opts.respond,
          model: opts.model,
          outDir: opts.outDir,
          signal: runOpts.signal,
          ...(runOpts.onProgress ? { onProgress: runOpts.onProgress } : {}),
          ...(opts.postmortem ? { postmortem: opts.postmortem } : {}),
          ...(opts.startLab ? { startLab: opts.startLab } : {}),
          ...(opts.logger ? { logger: opts.logger } : {}),
          onResult: (_r, f) => (files = { dir: f.dir, json: f.json, markdown: f.markdown, html: f.html }),
        });
        const result = summary.results[0];
        if (!result || !files) throw runOpts.signal.aborted ? abortReason(runOpts.signal) : new Error(`drill '${name}' produced no result`);
        return {
          scenario: result.scenario, title: result.title, model: result.model, passed: result.passed, cancelled: result.cancelled,
          ...(result.reason ? { reason: result.reason } : {}), score: result.score, reports: files,
        };
      } finally {
        running = undefined;
      }
    },
  };
}
