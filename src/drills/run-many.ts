import { join } from 'node:path';
import type { PostmortemRenderer } from './report/postmortem.js';
import { writeDrillReport, writeJunit, type DrillReportFiles } from './report/write.js';
import { runDrill, type RunDrillOptions } from './runner.js';
import type { Scenario } from './scenario.js';
import type { DrillResult } from './types.js';

export interface RunDrillsOptions extends RunDrillOptions {
  /** Reports go to `<outDir>/<scenario>/`. */
  outDir: string;
  /** JUnit file for the whole run (default `<outDir>/junit.xml`). */
  junitFile?: string;
  /** Renders postmortem.md from the incident record (default: the drill's own renderer). */
  postmortem?: PostmortemRenderer;
  /** Called after each drill, with where its reports were written. */
  onResult?: (result: DrillResult, files: DrillReportFiles) => void;
}

export interface DrillRunSummary {
  results: DrillResult[];
  /** Every drill ran and passed. */
  passed: boolean;
  cancelled: boolean;
  junitFile: string;
}

/**
 * Runs drills one after another (labs are heavy: never two at once on a CI runner), writing each drill's
 * reports as soon as it ends and the JUnit file after the last. After a cancellation (Ctrl-C) the drills
 * not yet started are skipped; the reports of the finished and the cancelled one are still written.
 */
export async function runDrills(scenarios: readonly Scenario[], opts: RunDrillsOptions): Promise<DrillRunSummary> {
  const results: DrillResult[] = [];
  const junitFile = opts.junitFile ?? join(opts.outDir, 'junit.xml');
  for (const scenario of scenarios) {
    if (opts.signal?.aborted) break;
    const result = await runDrill(scenario, opts);
    results.push(result);
    const files = await writeDrillReport(result, opts.outDir, opts.postmortem ? { postmortem: opts.postmortem } : {});
    opts.onResult?.(result, files);
  }
  await writeJunit(results, junitFile);
  const cancelled = opts.signal?.aborted === true || results.some((r) => r.cancelled);
  return { results, passed: !cancelled && results.length === scenarios.length && results.every((r) => r.passed), cancelled, junitFile };
}
