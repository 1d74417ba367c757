import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { redactJson } from '../../security/redact.js';
import type { DrillResult } from '../types.js';
import { renderHtmlReport } from './html.js';
import { renderJunit } from './junit.js';
import { renderDrillPostmortem, type PostmortemRenderer } from './postmortem.js';

export interface DrillReportFiles {
  dir: string;
  json: string;
  markdown: string;
  html: string;
}

/** A scenario name as a directory name: anything but letters, digits, dot, dash and underscore becomes '_'. */
export function reportDirName(scenario: string): string {
  return scenario.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '_') || 'drill';
}

/**
 * Writes one drill's reports to `<outDir>/<scenario>/`: report.json (the whole DrillResult), postmortem.md
 * and report.html. Secrets are redacted from the result once, before any format is rendered, so no report
 * can leak what a tool result or log line carried.
 */
export async function writeDrillReport(result: DrillResult, outDir: string, opts: { postmortem?: PostmortemRenderer } = {}): Promise<DrillReportFiles> {
  const safe = redactJson(result);
  const dir = join(outDir, reportDirName(safe.scenario));
  await mkdir(dir, { recursive: true });
  const files: DrillReportFiles = { dir, json: join(dir, 'report.json'), markdown: join(dir, 'postmortem.md'), html: join(dir, 'report.html') };
  await writeFile(files.json, JSON.stringify(safe, null, 2) + '\n');
  await writeFile(files.markdown, await renderDrillPostmortem(safe, opts.postmortem));
  await writeFile(files.html, renderHtmlReport(safe));
  return files;
}

/** Writes the JUnit XML of a whole run (one testcase per drill) to `file`, creating its directory. */
export async function writeJunit(results: readonly DrillResult[], file: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, renderJunit(results.map((r) => redactJson(r))));
}
