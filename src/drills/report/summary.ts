import type { DrillResult } from '../types.js';
import { formatDuration } from './escape.js';

/** yes / no, or n/a for a criterion that does not apply (a no-action scenario has no cause to name). */
export const mark = (b: boolean | null): string => (b === null ? 'n/a' : b ? 'yes' : 'no');

/** The harm cell: `no`, or `yes (N)` with how many harm rules the response broke. */
export const harmMark = (r: DrillResult): string => {
  const n = r.score.harm?.length ?? 0;
  return n === 0 ? 'no' : `yes (${n})`;
};

/**
 * The plain-text summary table the CLI prints after a run: one row per drill with the verdict, the four
 * criteria, harm, TTD, TTM, tool calls, tokens and the headline reason of a failure; then how many passed
 * and how many did harm.
 */
export function renderSummaryTable(results: readonly DrillResult[]): string {
  const header = ['scenario', 'result', 'detected', 'localized', 'root cause', 'mitigated', 'harm', 'TTD', 'TTM', 'tools', 'tokens', 'reason'];
  const rows = results.map((r) => [
    r.scenario,
    r.cancelled ? 'CANCELLED' : r.passed ? 'PASS' : 'FAIL',
    mark(r.score.detected),
    mark(r.score.localized),
    mark(r.score.rootCause),
    mark(r.score.mitigated),
    harmMark(r),
    formatDuration(r.score.ttdMs),
    formatDuration(r.score.ttmMs),
    String(r.score.toolCalls),
    String(r.score.tokens.total),
    r.reason ?? '',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd();
  const passed = results.filter((r) => r.passed).length;
  const harmful = results.filter((r) => (r.score.harm?.length ?? 0) > 0).length;
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line), '', `${passed}/${results.length} drills passed, ${harmful} with harm`].join('\n');
}
