import type { DrillResult, HealthWindow } from '../types.js';
import { esc, formatDuration } from './escape.js';
import { renderHealthChart, type TimeFrame } from './svg-chart.js';
import { renderSwimlane } from './swimlane.js';

/**
 * The drill's time frame: from the first thing observed (series, markers, timeline) to the last, padded so
 * markers at the edges stay visible.
 */
export function timeFrame(result: DrillResult): TimeFrame {
  const times = [
    ...result.series.map((p) => p.t),
    ...result.markers.map((m) => Date.parse(m.at)),
    ...(result.record?.timeline ?? []).map((e) => Date.parse(e.at)),
  ].filter(Number.isFinite);
  if (times.length === 0) {
    const start = Date.parse(result.startedAt);
    return { startMs: start, endMs: Math.max(start + 1000, Date.parse(result.endedAt)) };
  }
  const startMs = Math.min(...times);
  const endMs = Math.max(...times);
  const pad = Math.max(1000, (endMs - startMs) * 0.02);
  return { startMs: startMs - pad, endMs: endMs + pad };
}

/** "errors 0.2%, p95 0.31 s" for one health window of the drill. */
function describeWindow(w: HealthWindow): string {
  const err = w.errorRate === null ? 'no data' : `${(w.errorRate * 100).toFixed(1)}%`;
  const p95 = w.p95Seconds === null ? 'no data' : `${w.p95Seconds.toFixed(2)} s`;
  return `errors ${err}, p95 ${p95}`;
}

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px auto;max-width:1000px;color:#171717;padding:0 16px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:16px;margin:28px 0 8px;border-bottom:1px solid #e5e5e5;padding-bottom:4px}
.badge{display:inline-block;padding:2px 10px;border-radius:10px;font-weight:600;color:#fff;font-size:13px;vertical-align:middle}
.pass{background:#15803d}.fail{background:#b91c1c}.meta{color:#525252}
table{border-collapse:collapse;margin:4px 0}td,th{border:1px solid #e5e5e5;padding:4px 10px;text-align:left;vertical-align:top}
th{background:#f5f5f5;font-weight:600}.yes{color:#15803d;font-weight:600}.no{color:#b91c1c;font-weight:600}
svg text{font:11px system-ui,sans-serif;fill:#404040}svg .axis{font-size:12px;font-weight:600}svg .lane-label{font-size:12px;font-weight:600}
svg .marker-label{font-size:11px;font-weight:600}svg .empty{font-size:13px;fill:#737373}
.figure{overflow-x:auto}ul.reasons{margin:4px 0;padding-left:20px}code{background:#f5f5f5;padding:0 3px;border-radius:3px}
`;

/**
 * Renders a drill result as one self-contained HTML page — inline CSS and SVG, no scripts, no external
 * assets — so it can be uploaded as a CI artifact and opened anywhere: a health chart with fault/alert/PR/
 * deploy/recovery markers, a persona swimlane, the score, the phases and the model that ran.
 */
export function renderHtmlReport(result: DrillResult): string {
  const frame = timeFrame(result);
  const s = result.score;
  const status = result.passed ? '<span class="badge pass" id="verdict">PASS</span>' : '<span class="badge fail" id="verdict">FAIL</span>';
  const model = result.model === 'none' ? 'none (no responder ran)' : result.model;
  const yes = (b: boolean | null): string => (b === null ? '<span class="meta">not applicable</span>' : b ? '<span class="yes">yes</span>' : '<span class="no">no</span>');
  const row = (k: string, v: string): string => `<tr><th>${esc(k)}</th><td>${v}</td></tr>`;
  const expected = result.expected;
  const named = result.diagnosis.components;
  const diagnosisRows =
    expected.action === 'none'
      ? [row('expected', 'no action: nothing was broken (localization and root cause do not apply)')]
      : [
          row('localized', `${yes(s.localized)} — named ${esc(named[0] ?? 'nothing')} first${named.length > 1 ? ` (also named: ${esc(named.slice(1).join(', '))}; only the first counts)` : ''}, expected <code>${esc(expected.component)}</code>`),
          row('root cause', `${yes(s.rootCause)} — stated ${esc(result.diagnosis.category ?? 'nothing')}, expected <code>${esc(expected.category)}</code>`),
        ];
  const harm = s.harm ?? [];
  const harmCell = harm.length === 0 ? '<span class="yes">none</span>' : `<ul class="reasons">${harm.map((h) => `<li class="no">${esc(h)}</li>`).join('')}</ul>`;
  const unchecked = s.harmNotChecked?.length ? ` <span class="meta">(not checked: ${esc(s.harmNotChecked.join('; '))})</span>` : '';
  const health = s.health ? row('before → after', esc(`${describeWindow(s.health.before)} → ${describeWindow(s.health.after)}`)) : '';
  const fx = s.sideEffects;

  const score = [
    row('detected', yes(s.detected)),
    ...diagnosisRows,
    row('mitigated', yes(s.mitigated)),
    row('within limits', yes(s.withinLimits)),
    `<tr id="harm"><th>harm</th><td>${harmCell}${unchecked}</td></tr>`,
    health,
    row('time to detect', esc(formatDuration(s.ttdMs))),
    row('time to mitigate', esc(formatDuration(s.ttmMs))),
    row('tool calls', String(s.toolCalls)),
    row('tokens', `${s.tokens.total} (${s.tokens.input} in, ${s.tokens.output} out, ${s.tokens.cacheRead} cache read)`),
    row('approvals', `${s.approvals.requested} requested, ${s.approvals.approved} approved, ${s.approvals.rejected} rejected`),
    row('side effects', esc(`${fx.pullRequests} PRs, ${fx.merges} merges, ${fx.deploys} deploys (${fx.failedDeploys} failed), ${fx.rollbacks} rollbacks, ${fx.maintenance ?? 0} maintenance switches`)),
  ].filter(Boolean).join('\n');

  const phases = result.phases
    .map((p) => `<tr><td>${esc(p.phase)}</td><td>${esc(formatDuration(p.durationMs))}</td><td>${p.ok ? yes(true) : yes(false)}</td><td>${esc(p.error ?? '')}</td></tr>`)
    .join('\n');
  const reasons = s.reasons.length ? `<ul class="reasons">${s.reasons.map((r) => `<li>${esc(r)}</li>`).join('')}</ul>` : '';
  const outcome = result.record?.outcome ? `<p><b>Outcome:</b> ${esc(result.record.outcome.summary)}</p>` : '';
  const alert = result.alert ? `<p><b>Alert:</b> ${esc(result.alert.title)} <span class="meta">(${esc(result.alert.severity ?? 'no severity')}, fired ${esc(result.alert.startsAt)})</span></p>` : '';

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(`drill ${result.scenario}: ${result.passed ? 'PASS' : 'FAIL'}`)}</title>
<style>${CSS}</style>
</head>
<body>
<header id="summary">
<h1>${esc(result.title)} ${status}</h1>
<div class="meta">scenario <code>${esc(result.scenario)}</code> · <span id="model">model: ${esc(model)}</span> · ${esc(result.startedAt)} → ${esc(result.endedAt)}${result.cancelled ? ' · <b>cancelled</b>' : ''}</div>
${reasons}${alert}${outcome}
</header>
<h2>Service health</h2>
<div class="figure">${renderHealthChart(result.series, result.markers, frame)}</div>
<h2>Personas</h2>
<div class="figure">${renderSwimlane(result.record?.timeline ?? [], result.markers, frame)}</div>
<h2>Score</h2>
<table id="score-table">${score}</table>
<h2>Phases</h2>
<table id="phase-table"><tr><th>phase</th><th>took</th><th>ok</th><th>detail</th></tr>${phases}</table>
<p class="meta">Generated by firebreak drill. Expected answers are shown here for review only; the responder never saw them.</p>
</body>
</html>
`;
}
