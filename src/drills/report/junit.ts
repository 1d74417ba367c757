import type { DrillResult } from '../types.js';
import { esc, formatDuration, xmlSafe } from './escape.js';

const seconds = (r: DrillResult): string => ((Date.parse(r.endedAt) - Date.parse(r.startedAt)) / 1000).toFixed(3);
const x = (text: string): string => esc(xmlSafe(text));

/**
 * JUnit XML for a whole drill run: one <testcase> per drill, a <failure> with the headline reason (and the
 * first harm, when there is harm) as its message and every reason plus the score in its body, and an <error> for a cancelled drill (it did not
 * fail, it did not finish). CI systems (GitHub Actions test reporters, GitLab, Jenkins) read this shape.
 */
export function renderJunit(results: readonly DrillResult[], suiteName = 'firebreak drills'): string {
  const failures = results.filter((r) => !r.passed && !r.cancelled).length;
  const errors = results.filter((r) => r.cancelled).length;
  const total = results.reduce((sum, r) => sum + Number(seconds(r)), 0).toFixed(3);
  const timestamp = results[0]?.startedAt ?? new Date().toISOString();
  const cases = results.map((r) => {
    const s = r.score;
    const harm = s.harm ?? [];
    const summary = `model: ${r.model}; detected=${s.detected} localized=${s.localized ?? 'n/a'} rootCause=${s.rootCause ?? 'n/a'} mitigated=${s.mitigated} withinLimits=${s.withinLimits} harm=${harm.length}; TTD ${formatDuration(s.ttdMs)}, TTM ${formatDuration(s.ttmMs)}; ${s.toolCalls} tool calls, ${s.tokens.total} tokens`;
    const head = `    <testcase classname="firebreak.drills" name="${x(r.scenario)}" time="${seconds(r)}">`;
    const out = `      <system-out>${x(summary)}</system-out>`;
    if (r.passed) return `${head}\n${out}\n    </testcase>`;
    const tag = r.cancelled ? 'error' : 'failure';
    const type = r.cancelled ? 'DrillCancelled' : 'DrillFailed';
    const body = [...s.reasons, ...harm.filter((h) => !s.reasons.includes(h)), summary].join('\n');
    // A drill that did harm says so in the message even when a failed phase is its headline.
    const headline = r.reason ?? 'drill failed';
    const message = harm.length > 0 && !headline.startsWith('harm:') ? `${headline}; ${harm[0]}` : headline;
    return `${head}\n      <${tag} message="${x(message)}" type="${type}">${x(body)}</${tag}>\n${out}\n    </testcase>`;
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${x(suiteName)}" tests="${results.length}" failures="${failures}" errors="${errors}" time="${total}">`,
    `  <testsuite name="${x(suiteName)}" tests="${results.length}" failures="${failures}" errors="${errors}" skipped="0" time="${total}" timestamp="${x(timestamp)}">`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}
