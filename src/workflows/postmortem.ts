import type { IncidentRecord, TimelineEntry } from './incident.js';
import type { ChangeReport } from './changes.js';
import type { Assessment, DevopsStageReport, Fix, VerificationResult } from './outputs.js';

/**
 * The post-mortem of an incident, in markdown, following the seeds' template (summary, impact, root cause,
 * timeline, what went well / wrong, action items). Every figure comes from the incident record — what the
 * tools measured and what the personas reported with their queries — and a figure nobody measured is said
 * to be "not measured", never estimated.
 */

const TIMELINE_KINDS = new Set(['changes', 'slo.status', 'fix.checked', 'escalation', 'budget', 'incident', 'route', 'severity', 'stage', 'finding', 'action', 'approval', 'approval.requested', 'verify.end', 'notification', 'breaker', 'retry', 'error', 'tool.refused', 'outcome', 'resumed', 'approval.timeout', 'interrupted', 'alert', 'started']);

/**
 * Renders the post-mortem of `record`.
 *
 * When to use: when an incident has ended (IncidentService.postmortem does this); also fine mid-incident
 * for a status page, where it says "ongoing".
 * Gotchas: it reads the structured outputs of the workflow's personas (assessment, fix, devops report); a
 * custom persona with another output shape shows up in the timeline but not in the root-cause section.
 */
export function renderPostmortem(record: IncidentRecord): string {
  const a = record.outputs.observability as Assessment | undefined;
  const fix = record.outputs.backend as Fix | undefined;
  const devops = record.outputs.devops as DevopsStageReport | undefined;
  const out: string[] = [];
  const ended = record.endedAt ?? undefined;
  out.push(`# Post-Mortem: ${record.title}`, '');
  out.push(`**Date:** ${record.startedAt.slice(0, 10)}  `);
  out.push(`**Incident ID:** ${record.id}  `);
  out.push(`**Severity:** ${(record.severity ?? 'not assessed').toUpperCase()}  `);
  out.push(`**Status:** ${record.status}  `);
  out.push(`**Duration:** ${ended ? minutes(Date.parse(ended) - Date.parse(record.alert.startsAt)) : 'ongoing'} from the alert to the end of the response  `);
  out.push(`**MTTR:** ${mttr(record, devops)}  `);
  out.push(`**Responders:** ${responders(record)} (model: ${record.model}; approvals: ${record.approvalPolicy})`, '');

  out.push('## What Happened', '', record.outcome?.summary ?? 'The response is still running.', '');
  if (a) out.push(a.summary, '');
  if (record.outcome?.error) out.push(`Error: \`${record.outcome.error}\``, '');

  out.push('## Impact', '');
  out.push(`- Alert \`${record.alert.labels.alertname ?? record.alert.title}\` fired at ${record.alert.startsAt}${record.alert.value !== undefined ? ` with value ${record.alert.value}` : ''}.`);
  if (a?.affected.errorRate !== undefined) out.push(`- Error rate at detection: ${pct(a.affected.errorRate)} of requests (measured by the observability persona).`);
  if (a?.affected.p95LatencyMs !== undefined) out.push(`- p95 latency at detection: ${a.affected.p95LatencyMs.toFixed(0)} ms.`);
  if (a) out.push(`- Affected: ${a.affected.service}${a.affected.endpoints.length ? ` (${a.affected.endpoints.join(', ')})` : ''}.`);
  out.push('- Users affected, failed requests in total, revenue: not measured.', '');

  const changes = record.outputs.changes as ChangeReport | undefined;
  if (changes) {
    out.push('## What Changed', '', changes.summary, '');
    for (const c of changes.changes) out.push(`- ${c.at}: ${c.summary}`);
    if (changes.changes.length) out.push('');
    const unread = Object.entries(changes.sources).filter(([, v]) => v !== 'ok');
    if (unread.length) out.push(`Not read: ${unread.map(([k, v]) => `${k} (${v})`).join('; ')}.`, '');
  }

  out.push('## Root Cause', '');
  if (a) {
    out.push(a.rootCauseHypothesis, '');
    const rc = fix?.rootCause ?? a.rootCause;
    if (rc) out.push(`Category: **${rc.category}**; component: **${rc.components.join(', ')}**.`, '');
    out.push('Evidence:', '', ...a.evidence.map((e) => `- ${e.source}: \`${e.query}\` — ${clip(e.finding, 400)}`), '');
  } else out.push('Not established: the observability stage produced no assessment.', '');
  if (fix) {
    out.push(`Fix: ${fix.fixDesign.change}. ${fix.fixDesign.rationale}`, '');
    if (fix.pullRequest) out.push(`Pull request: #${fix.pullRequest.number} ${fix.pullRequest.url} (branch ${fix.pullRequest.branch}).`, '');
    if (fix.tests) out.push(`Tests: \`${fix.tests.command}\` ${fix.tests.passed ? 'passed' : 'FAILED'} — ${fix.tests.summary}`, '');
  }
  if (devops) out.push('## Resolution', '', devops.summary, '', ...verificationLines(devops.verifications), '');

  out.push('## Timeline', '');
  out.push(`- ${clock(record.alert.startsAt)} - Alert fired: ${record.alert.title}`);
  for (const e of record.timeline.filter((t) => TIMELINE_KINDS.has(t.kind) && !(t.kind === 'stage' && t.data?.status === 'end'))) {
    out.push(`- ${clock(e.at)} - ${e.persona ? `[${e.persona}] ` : e.stage ? `[${e.stage}] ` : ''}${oneLine(e.summary)}`);
  }
  out.push('');

  const { well, wrong } = assess(record, a, devops);
  out.push('## What Went Well', '', ...(well.length ? well.map((w) => `- ${w}`) : ['- Nothing recorded.']), '');
  out.push('## What Went Wrong', '', ...(wrong.length ? wrong.map((w) => `- ${w}`) : ['- Nothing recorded.']), '');
  out.push('## Action Items', '', ...actionItems(record, a, fix, devops).map((i) => `- [ ] ${i}`), '');

  const u = record.usage;
  out.push('## Cost', '', `${u.turns} model turns, ${u.toolCalls} tool calls, ${u.inputTokens} input + ${u.outputTokens} output tokens (${u.cacheReadTokens} read from cache); model: ${record.model}.`, '');
  return out.join('\n');
}

function verificationLines(vs: readonly VerificationResult[]): string[] {
  return vs.map((v) => {
    const checks = v.checks.map((c) => `${c.name} ${c.value === undefined ? 'no data' : num(c.value)} (want ${c.op} ${c.threshold}; worst seen ${v.worst[c.name] === null || v.worst[c.name] === undefined ? 'no data' : num(v.worst[c.name]!)})`).join('; ');
    return `- Verification of the ${v.target}: ${v.healthy ? `held ${v.heldSeconds.toFixed(0)} s` : 'did not hold by the deadline'} after ${v.polls} polls — ${checks}.`;
  });
}

function assess(r: IncidentRecord, a: Assessment | undefined, d: DevopsStageReport | undefined): { well: string[]; wrong: string[] } {
  const well: string[] = [];
  const wrong: string[] = [];
  const alertAt = Date.parse(r.alert.startsAt);
  const finding = r.timeline.find((e) => e.kind === 'finding' && e.persona === 'observability');
  if (a?.rootCause && finding) well.push(`Root cause (${a.rootCause.category} at ${a.rootCause.components.join(', ')}) identified ${minutes(Date.parse(finding.at) - alertAt)} after the alert fired.`);
  if (a && !a.rootCause) wrong.push('The observability stage could not identify a root cause from the evidence.');
  for (const v of d?.verifications ?? []) {
    if (v.healthy) well.push(`The ${v.target} was verified by measurement: every SLO check held for ${v.heldSeconds.toFixed(0)} s.`);
    else wrong.push(`The ${v.target} did not verify: ${v.checks.filter((c) => !c.ok).map((c) => `${c.name} ${c.value === undefined ? 'had no data' : `was ${num(c.value)}`}`).join(', ')} at the deadline.`);
  }
  const approved = r.approvals.filter((x) => x.decision?.approved === true);
  const rejected = r.approvals.filter((x) => x.decision?.approved === false);
  if (approved.length) well.push(`${approved.length} risky action(s) went through the approval gate (${[...new Set(approved.map((x) => x.decision!.by))].join(', ')}).`);
  for (const x of rejected) wrong.push(`${x.request.action} was not approved (${x.decision!.by}${x.decision!.reason ? `: ${x.decision!.reason}` : ''}).`);
  const retries = r.timeline.filter((e) => e.kind === 'retry');
  if (retries.length) wrong.push(`${retries.length} retr${retries.length === 1 ? 'y was' : 'ies were'} needed (${retries.map((e) => oneLine(e.summary)).slice(0, 3).join('; ')}).`);
  const failedCalls = r.timeline.filter((e) => e.kind === 'tool.call' && e.data?.outcome !== 'ok');
  if (failedCalls.length) wrong.push(`${failedCalls.length} tool call(s) failed (${[...new Set(failedCalls.map((e) => oneLine(e.summary).split(' ')[0]))].join(', ')}).`);
  const refused = r.timeline.filter((e) => e.kind === 'tool.refused');
  if (refused.length) wrong.push(`${refused.length} tool call(s) were refused (${[...new Set(refused.map((e) => String(e.data?.reason ?? 'not allowed').split(':')[0]))].slice(0, 3).join('; ')}).`);
  for (const b of r.timeline.filter((e) => e.kind === 'breaker' && e.data?.to === 'open')) wrong.push(`The circuit breaker of ${String(b.data?.breaker)} opened at ${clock(b.at)}.`);
  const failedStage = r.timeline.find((e) => e.kind === 'stage' && e.data?.status === 'failed');
  if (failedStage) wrong.push(oneLine(failedStage.summary));
  if (r.outcome?.resolved && !wrong.length) well.push('The response completed without failed steps.');
  return { well, wrong };
}

function actionItems(r: IncidentRecord, a: Assessment | undefined, fix: Fix | undefined, d: DevopsStageReport | undefined): string[] {
  const items: string[] = [];
  if (fix?.pullRequest && (!d || d.deployment.status !== 'succeeded')) items.push(`Review, merge and deploy PR #${fix.pullRequest.number} (${fix.pullRequest.url}).`);
  if (d?.rollback.performed) items.push('The service runs the previous release: fix forward before the next deploy.');
  if (d?.maintenanceMode) items.push('Maintenance mode is ON: turn it off (deploy tool maintenance_mode { "enabled": false }) once the service can serve again.');
  if (d?.outcome === 'restored') items.push('The pre-incident release was restored after the response\'s own changes did not help: the incident is still open.');
  const rc = fix?.rootCause ?? a?.rootCause;
  if (rc) items.push(`Add or tune alerting on ${rc.components[0]} so ${rc.category} is caught before users see errors.`);
  if (!r.outcome?.resolved) items.push(`Human follow-up: ${r.outcome?.error ?? r.outcome?.summary ?? 'the response did not finish'}.`);
  for (const x of r.approvals.filter((p) => p.decision === undefined)) items.push(`Decide the pending approval for ${x.request.action}.`);
  items.push('Review this post-mortem with the team (blameless) and confirm the root cause.');
  return items;
}

function mttr(r: IncidentRecord, d: DevopsStageReport | undefined): string {
  const healthy = d?.verifications.find((v) => v.healthy);
  if (!healthy) return r.outcome?.resolved ? 'not applicable (nothing was deployed)' : 'not recovered';
  const recoveredAt = Date.parse(healthy.endedAt) - healthy.heldSeconds * 1000;
  return `${minutes(recoveredAt - Date.parse(r.alert.startsAt))} (alert to the start of the verified recovery)`;
}

function responders(r: IncidentRecord): string {
  const names = [...new Set(r.timeline.flatMap((e: TimelineEntry) => (e.persona ? [e.persona] : [])))];
  return names.length ? names.join(', ') : 'none';
}

function minutes(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return 'unknown';
  const s = Math.round(ms / 1000);
  return s < 120 ? `${s} s` : `${Math.floor(s / 60)} min ${s % 60} s`;
}

function clock(at: string): string {
  return at.slice(11, 19);
}

function pct(v: number): string {
  return `${(v * 100).toFixed(v < 0.01 ? 3 : 1)}%`;
}

function num(v: number): string {
  return Math.abs(v) >= 100 ? v.toFixed(0) : Number(v.toPrecision(3)).toString();
}

function clip(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max - 3)}...` : s;
}

function oneLine(s: string): string {
  const line = s.replace(/\s+/g, ' ').trim();
  return line.length > 200 ? `${line.slice(0, 197)}...` : line;
}
