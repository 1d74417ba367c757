import type { IncidentRecord, TimelineEntry } from './incident.js';

/**
 * Live progress of an incident for people: which timeline entries deserve a line of their own, how to say
 * them in one line, and the one-line status (stage, persona, last tool call, elapsed) a TTY redraws.
 * Shared by `firebreak respond` and anything else that narrates an incident (MCP progress notifications).
 */

const MILESTONES = new Set(['changes', 'escalation', 'budget', 'fix.checked', 
  'incident', 'resumed', 'route', 'severity', 'stage', 'finding', 'action', 'approval', 'approval.requested', 'approval.timeout',
  'verify.start', 'verify.end', 'notification', 'breaker', 'retry', 'error', 'tool.refused', 'outcome', 'end', 'interrupted',
]);

/** True for entries worth a line of their own (not every tool call or model turn). */
export function isMilestone(e: TimelineEntry): boolean {
  if (e.kind === 'stage') return e.data?.status !== 'end';
  return MILESTONES.has(e.kind);
}

/** `[01:23] devops       merge 7689bbd...` */
export function formatEntry(e: TimelineEntry, startedAt: string): string {
  const who = (e.persona ?? e.stage ?? '').padEnd(13);
  return `[${elapsed(Date.parse(e.at) - Date.parse(startedAt))}] ${who} ${oneLine(e.summary, 160)}`;
}

/** The status line: elapsed, stage, persona and the latest tool call or turn. */
export function statusLine(record: IncidentRecord, now = Date.now()): string {
  const last = [...record.timeline].reverse().find((e) => e.kind === 'tool.call' || e.kind === 'persona.turn' || e.kind === 'verify.poll');
  const parts = [
    `[${elapsed(now - Date.parse(record.startedAt))}]`,
    record.id,
    record.status,
    `stage ${record.stage ?? '-'}`,
    ...(record.persona ? [`persona ${record.persona}`] : []),
    ...(last ? [oneLine(last.summary, 60)] : []),
  ];
  return parts.join(' | ');
}

export function elapsed(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  return `${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}

function oneLine(s: string, max: number): string {
  const line = s.replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}
