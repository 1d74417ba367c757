import type { IncidentRecord } from '../../workflows/incident.js';
import type { DrillResult } from '../types.js';
import { formatDuration } from './escape.js';
import { harmMark, mark } from './summary.js';

/** Renders an incident record as a markdown post-mortem; the workflow's own renderer can replace it. */
export type PostmortemRenderer = (record: IncidentRecord) => string | Promise<string>;

/** Markdown table cell: pipes and newlines would break the row. */
const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');

function offset(at: string, start: string): string {
  const ms = Date.parse(at) - Date.parse(start);
  return Number.isFinite(ms) ? `+${(ms / 1000).toFixed(1)} s` : at;
}

/**
 * The default post-mortem: summary, impact, timeline, what each persona concluded, actions, approvals and
 * cost, written from the incident record alone (blameless, facts first). Used when the workflow does not
 * provide its own renderer.
 */
export function renderBasicPostmortem(record: IncidentRecord): string {
  const lines: string[] = [];
  lines.push(`# Post-mortem: ${record.title}`, '');
  lines.push(`- **Status:** ${record.status}${record.outcome ? ` — ${record.outcome.resolved ? 'resolved' : 'not resolved'}` : ''}`);
  lines.push(`- **Severity:** ${record.severity ?? 'not assessed'}`);
  lines.push(`- **Started:** ${record.startedAt}${record.endedAt ? `, ended ${record.endedAt}` : ''}`);
  lines.push(`- **Responders:** ${[...new Set(record.timeline.flatMap((e) => (e.persona ? [e.persona] : [])))].join(', ') || 'none'} (model: ${record.model})`, '');

  lines.push('## Summary', '', record.outcome?.summary ?? 'The workflow recorded no outcome.', '');
  if (record.outcome?.error) lines.push(`Error: \`${record.outcome.error}\``, '');

  lines.push('## Impact', '', `Alert **${record.alert.title}** (${record.alert.source}, ${record.alert.status}) from ${record.alert.startsAt}.`);
  for (const [k, v] of Object.entries(record.alert.annotations)) if (k !== 'summary') lines.push(`- ${k}: ${v}`);
  lines.push('');

  lines.push('## Timeline', '', '| time | persona | kind | what happened |', '|---|---|---|---|');
  for (const e of record.timeline) {
    lines.push(`| ${offset(e.at, record.startedAt)} | ${cell(e.persona ?? '')} | ${cell(e.kind)} | ${cell(e.summary)} |`);
  }
  lines.push('');

  lines.push('## Findings', '');
  const outputs = Object.entries(record.outputs);
  if (outputs.length === 0) lines.push('No persona produced a structured output.', '');
  for (const [persona, output] of outputs) {
    lines.push(`### ${persona}`, '', '```json', JSON.stringify(output, null, 2), '```', '');
  }

  lines.push('## Actions', '');
  if (record.actions.length === 0) lines.push('None.');
  for (const a of record.actions) lines.push(`- ${offset(a.at, record.startedAt)} **${a.kind}** ${a.ref}`);
  lines.push('');

  if (record.approvals.length > 0) {
    lines.push('## Approvals', '');
    for (const { request, decision } of record.approvals) {
      const verdict = decision ? `${decision.approved ? 'approved' : 'rejected'} by ${decision.by}${decision.reason ? ` (${decision.reason})` : ''}` : 'undecided';
      lines.push(`- \`${request.action}\`${request.persona ? ` for ${request.persona}` : ''}: ${verdict}`);
    }
    lines.push('');
  }

  const u = record.usage;
  lines.push('## Cost', '', `${u.turns} model turns, ${u.toolCalls} tool calls, ${u.inputTokens} input + ${u.outputTokens} output tokens (${u.cacheReadTokens} read from cache).`, '');
  return lines.join('\n');
}

/** The drill's verdict, appended to whichever post-mortem was rendered. */
export function renderDrillAppendix(result: DrillResult): string {
  const s = result.score;
  const harm = s.harm ?? [];
  const lines = [
    '## Drill score',
    '',
    `Scenario \`${result.scenario}\`: **${result.passed ? 'PASS' : 'FAIL'}**${result.reason ? ` — ${result.reason}` : ''}`,
    '',
    '| detected | localized | root cause | mitigated | within limits | harm | TTD | TTM |',
    '|---|---|---|---|---|---|---|---|',
    `| ${mark(s.detected)} | ${mark(s.localized)} | ${mark(s.rootCause)} | ${mark(s.mitigated)} | ${mark(s.withinLimits)} | ${harmMark(result)} | ${formatDuration(s.ttdMs)} | ${formatDuration(s.ttmMs)} |`,
    '',
  ];
  if (result.expected.action === 'none') lines.push('Nothing was broken in this drill: localization and root cause do not apply; the right response changes nothing.', '');
  else if (result.diagnosis.components.length > 1) lines.push(`Localization is scored on the first-named component (${cell(result.diagnosis.components[0]!)}); also named: ${cell(result.diagnosis.components.slice(1).join(', '))}.`, '');
  if (harm.length > 0) lines.push('### Harm', '', ...harm.map((h) => `- ${h}`), '');
  const unchecked = s.harmNotChecked ?? [];
  if (unchecked.length > 0) lines.push(`Harm rules not checked: ${unchecked.join('; ')}.`, '');
  return lines.join('\n');
}

/**
 * The postmortem.md of a drill: the workflow's (or the default) post-mortem of the record plus the drill
 * score; a drill that never reached the responder gets a short note saying where it stopped.
 */
export async function renderDrillPostmortem(result: DrillResult, renderer: PostmortemRenderer = renderBasicPostmortem): Promise<string> {
  if (!result.record) {
    const body = `# Drill ${result.scenario}: no incident\n\nThe responder did not produce an incident record${result.reason ? `: ${result.reason}` : ''}.\n`;
    return `${body}\n${renderDrillAppendix(result)}`;
  }
  let body: string;
  try {
    body = await renderer(result.record);
  } catch (err) {
    // A renderer that chokes on an unexpected output shape must not cost the drill its post-mortem.
    body = `${renderBasicPostmortem(result.record)}\n> The workflow's post-mortem renderer failed (${err instanceof Error ? err.message : String(err)}); this is the drill's default rendering.\n`;
  }
  return `${body.trimEnd()}\n\n${renderDrillAppendix(result)}`;
}
