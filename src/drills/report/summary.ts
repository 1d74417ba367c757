import type { DrillResult } from '../types.js';
import { formatDuration } from './escape.js';

/**
 * The plain-text summary table the CLI prints after a run: one row per drill with the verdict, the four
 * criteria, TTD, TTM, tool calls, tokens and the headline reason of a failure.
 */
export function renderSummaryTable(results: readonly DrillResult[]): string {
  const mark = (b: boolean): string => (b ? 'yes' : 'no');
  const header = ['scenario', 'result', 'detected', 'localized', 'root cause', 'mitigated', 'TTD', 'TTM', 'tools', 'tokens', 'reason'];
  const rows = results.map((r) => [
    r.scenario,
    r.cancelled ? 'CANCELLED' : r.passed ? 'PASS' : 'FAIL',
    mark(r.score.detected),
    mark(r.score.localized),
    mark(r.score.rootCause),
    mark(r.score.mitigated),
    formatDuration(r.score.ttdMs),
    formatDuration(r.score.ttmMs),
    String(r.score.toolCalls),
    String(r.score.tokens.total),
    r.reason ?? '',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd();
  const passed = results.filter((r) => r.passed).length;
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line), '', `${passed}/${results.length} drills passed`].join('\n');
}
