import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { renderDrillPostmortem, renderHtmlReport, renderJunit, renderBasicPostmortem, renderSummaryTable, writeDrillReport, writeJunit } from '../../src/drills/report/index.js';
import { buildDrillResult } from '../../src/drills/result.js';
import { defaultPostmortem } from '../../src/drills/responder.js';
import type { DrillResult } from '../../src/drills/types.js';
import { poolExhaustionFacts } from './helpers.js';

function failedResult(): DrillResult {
  const f = poolExhaustionFacts();
  f.plan.name = 'retry-storm';
  f.record!.outputs = { backend: { rootCause: { category: 'capacity', component: 'payments-api' } } };
  return buildDrillResult(f);
}

describe('drill reports from a recorded incident', () => {
  const dirs: string[] = [];
  afterEach(async () => {
    await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
  });

  it('writes report.json, postmortem.md and report.html under <out>/<scenario>/, secrets redacted', async () => {
    const out = await mkdtemp(join(tmpdir(), 'firebreak-drill-report-'));
    dirs.push(out);
    const f = poolExhaustionFacts();
    f.record!.timeline.push({ at: f.record!.endedAt!, kind: 'tool.call', summary: 'github.get_me token=ghp_abcdefghijklmnopqrstuvwxyz0123456789' });
    const files = await writeDrillReport(buildDrillResult(f), out);
    expect(files.dir).toBe(join(out, 'pool-exhaustion'));
    const json = JSON.parse(await readFile(files.json, 'utf8')) as DrillResult;
    expect(json.passed).toBe(true);
    expect(json.score.ttdMs).toBe(21_000);
    expect(json.series).toHaveLength(77);
    for (const file of [files.json, files.markdown, files.html]) {
      expect(await readFile(file, 'utf8')).not.toContain('ghp_abcdefghijklmnopqrstuvwxyz0123456789');
    }
  });

  it('renders the post-mortem from the record, with the drill score appended', async () => {
    const out = await mkdtemp(join(tmpdir(), 'firebreak-drill-report-'));
    dirs.push(out);
    const files = await writeDrillReport(buildDrillResult(poolExhaustionFacts()), out);
    const md = await readFile(files.markdown, 'utf8');
    expect(md).toMatch(/^# Post-mortem: API error rate above 5% for 10s/);
    expect(md).toContain('**Responders:** observability, backend, devops (model: playbook (no LLM))');
    expect(md).toContain('| +0.6 s | observability | tool.call | grafana.query_prometheus: error ratio 15.1% |');
    // A pipe inside a summary is escaped so the table row stays one row.
    expect(md).toContain('<pool size 50> \\| "quoted" & more');
    expect(md).toContain('"category": "resource-exhaustion"');
    expect(md).toContain('- `github.merge_pull_request` for devops: approved by policy:auto');
    expect(md).toContain('## Drill score');
    expect(md).toContain('| yes | yes | yes | yes | yes | no | 21.0 s | 44.5 s |');
  });

  it('uses a workflow-provided post-mortem renderer when given one', async () => {
    const out = await mkdtemp(join(tmpdir(), 'firebreak-drill-report-'));
    dirs.push(out);
    const files = await writeDrillReport(buildDrillResult(poolExhaustionFacts()), out, { postmortem: (r) => `# Workflow post-mortem ${r.id}\n` });
    const md = await readFile(files.markdown, 'utf8');
    expect(md).toMatch(/^# Workflow post-mortem inc-7f3a\n\n## Drill score/);
  });

  it('renders postmortem.md with the incident workflow\'s renderer (the CLI default), falling back when it throws', async () => {
    const out = await mkdtemp(join(tmpdir(), 'firebreak-drill-report-'));
    dirs.push(out);
    const result = buildDrillResult(poolExhaustionFacts());
    const viaWorkflow = await readFile((await writeDrillReport(result, out, { postmortem: defaultPostmortem() })).markdown, 'utf8');
    expect(viaWorkflow).toMatch(/^# Post-mortem: /i);
    expect(viaWorkflow).toContain('## Drill score');
    const broken = await readFile((await writeDrillReport(result, out, { postmortem: () => { throw new TypeError('outputs.devops.verifications is undefined'); } })).markdown, 'utf8');
    expect(broken).toMatch(/^# Post-mortem: API error rate above 5% for 10s/);
    expect(broken).toContain("> The workflow's post-mortem renderer failed (outputs.devops.verifications is undefined); this is the drill's default rendering.");
    expect(broken).toContain('## Drill score');
  });

  it('says where a drill stopped when there is no incident record', async () => {
    const f = poolExhaustionFacts();
    delete f.record;
    delete f.alertAt;
    const md = await renderDrillPostmortem(buildDrillResult(f));
    expect(md).toMatch(/^# Drill pool-exhaustion: no incident\n\nThe responder did not produce an incident record: not detected: no alert fired\./);
    expect(md).toContain('Scenario `pool-exhaustion`: **FAIL**');
    expect(renderBasicPostmortem(poolExhaustionFacts().record!)).toContain('## Timeline');
  });

  it('renders a self-contained HTML page with the chart, markers, swimlanes, score and model label', () => {
    const html = renderHtmlReport(buildDrillResult(poolExhaustionFacts()));
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).not.toMatch(/<script|<link|src="|href="http|url\(http/i);
    expect(html).toContain('<svg id="health-chart"');
    expect(html).toContain('<svg id="persona-timeline"');
    for (const kind of ['fault', 'alert', 'pr', 'merge', 'deploy', 'recovery']) expect(html).toContain(`class="marker" data-kind="${kind}"`);
    for (const lane of ['workflow', 'observability', 'backend', 'devops']) expect(html).toContain(`data-lane="${lane}"`);
    expect(html).toContain('model: playbook (no LLM)');
    expect(html).toContain('id="verdict">PASS');
    // The error-rate line breaks at the missing first sample rather than drawing it as 0.
    const d = /class="series series-error-rate" d="([^"]+)"/.exec(html)![1]!;
    expect(d.startsWith('M')).toBe(true);
    expect(d.split('M')).toHaveLength(2);
    // Text from tools is escaped.
    expect(html).toContain('&lt;pool size 50&gt; | &quot;quoted&quot; &amp; more');
  });

  it('renders a drill that stopped before any metrics or incident existed', () => {
    const f = poolExhaustionFacts();
    f.series = []; f.forgeEvents = []; f.rollouts = [];
    delete f.record; delete f.injectedAt; delete f.alertAt; delete f.recoveredAt; delete f.alert;
    f.model = 'none';
    const html = renderHtmlReport(buildDrillResult(f));
    expect(html).toContain('no metrics were collected');
    expect(html).toContain('no incident timeline (the responder did not run)');
    expect(html).toContain('model: none (no responder ran)');
    expect(html).not.toContain('NaN');
  });

  it('renders a failed drill with its reasons and a model name', () => {
    const r = failedResult();
    r.model = 'claude-sonnet-5-5';
    const html = renderHtmlReport(r);
    expect(html).toContain('id="verdict">FAIL');
    expect(html).toContain('<li>not localized: named payments-api first</li>');
    expect(html).toContain('model: claude-sonnet-5-5');
  });

  it('writes JUnit with one testcase per drill and the reason as the failure message', async () => {
    const out = await mkdtemp(join(tmpdir(), 'firebreak-drill-report-'));
    dirs.push(out);
    const ok = buildDrillResult(poolExhaustionFacts());
    const bad = failedResult();
    bad.score.reasons.push('control \u0001 chars & <tags>');
    const file = join(out, 'nested', 'junit.xml');
    await writeJunit([ok, bad], file);
    const xml = await readFile(file, 'utf8');
    expect(xml).toContain('<testsuites name="firebreak drills" tests="2" failures="1" errors="0"');
    expect(xml.match(/<testcase /g)).toHaveLength(2);
    expect(xml).toContain('<testcase classname="firebreak.drills" name="pool-exhaustion" time="85.400">');
    expect(xml).toContain('<failure message="not localized: named payments-api first" type="DrillFailed">');
    expect(xml).toContain('control  chars &amp; &lt;tags&gt;');
    expect(xml).not.toContain('\u0001');
  });

  it('marks a cancelled drill as an error, not a failure', () => {
    const f = poolExhaustionFacts();
    f.cancelled = true;
    const xml = renderJunit([buildDrillResult(f)]);
    expect(xml).toContain('failures="0" errors="1"');
    expect(xml).toContain('<error message="cancelled" type="DrillCancelled">');
  });

  it('prints a summary table', () => {
    const table = renderSummaryTable([buildDrillResult(poolExhaustionFacts()), failedResult()]);
    const lines = table.split('\n');
    expect(lines[0]).toMatch(/^scenario\s+result\s+detected\s+localized\s+root cause\s+mitigated\s+harm\s+TTD\s+TTM\s+tools\s+tokens\s+reason$/);
    expect(lines[2]).toMatch(/^pool-exhaustion\s+PASS\s+yes\s+yes\s+yes\s+yes\s+no\s+21\.0 s\s+44\.5 s\s+12\s+0$/);
    expect(lines[3]).toMatch(/^retry-storm\s+FAIL\s+yes\s+no\s+no\s+yes\s+no .* not localized: named payments-api first$/);
    expect(lines.at(-1)).toBe('1/2 drills passed, 0 with harm');
  });

  it('shows harm in every report: summary column, JUnit message, HTML score table, post-mortem appendix', async () => {
    const f = poolExhaustionFacts();
    f.evidence = { ...f.evidence!, maintenance: [{ at: '2025-11-23T04:01:00.000Z', enabled: true, changed: true }] };
    const last = f.series.at(-1)!.t;
    f.series = f.series.map((p) => (p.t > last - 10_000 ? { ...p, errorRate: 1 } : p));
    const r = buildDrillResult(f);
    expect(r.score.harm).toHaveLength(2);
    expect(r.reason).toBe('harm: the service ended worse than the response found it: error ratio 15.0% -> 100.0% (more than +2 points and x1.25)');
    const table = renderSummaryTable([r]).split('\n');
    expect(table[2]).toMatch(/^pool-exhaustion\s+FAIL\s+yes\s+yes\s+yes\s+yes\s+yes \(2\)\s+/);
    expect(table.at(-1)).toBe('0/1 drills passed, 1 with harm');
    const xml = renderJunit([r]);
    expect(xml).toContain('<failure message="harm: the service ended worse than the response found it: error ratio 15.0% -&gt; 100.0% (more than +2 points and x1.25)" type="DrillFailed">');
    expect(xml).toContain('harm: maintenance mode turned on without a human approval (1 time, 0 approved by a person)');
    expect(xml).toContain('harm=2');
    const html = renderHtmlReport(r);
    expect(html).toContain('<tr id="harm"><th>harm</th><td><ul class="reasons"><li class="no">harm: the service ended worse');
    expect(html).toContain('<tr><th>before → after</th><td>errors 15.0%, p95 2.50 s → errors 100.0%, p95 0.31 s</td></tr>');
    expect(html).toContain('data-kind="maintenance"');
    const md = await renderDrillPostmortem(r);
    expect(md).toContain('| yes | yes | yes | yes | yes | yes (2) |');
    expect(md).toContain('### Harm\n\n- harm: the service ended worse');
    // A phase failure stays the headline; the JUnit message still carries the first harm.
    const timedOut = buildDrillResult({ ...f, phases: [...f.phases, { phase: 'verify', startedAt: '', endedAt: '', durationMs: 1, ok: false, timedOut: true, error: 'verify phase exceeded its 60 s limit' }] });
    expect(timedOut.reason).toBe('verify phase exceeded its 60 s limit');
    expect(renderJunit([timedOut])).toContain('<failure message="verify phase exceeded its 60 s limit; harm: the service ended worse');
  });

  it('reports a no-action drill without faking localization or root cause', async () => {
    const f = poolExhaustionFacts();
    f.plan.expected = { action: 'none' };
    f.forgeEvents = []; f.rollouts = f.rollouts.filter((r) => r.trigger === 'lab');
    f.evidence = { ...f.evidence!, landed: [], releases: { atResponseStart: f.evidence!.releases!.atResponseStart!, atEnd: f.evidence!.releases!.atResponseStart! } };
    f.series = f.series.map((p) => ({ ...p, errorRate: 0, p95Seconds: 0.3 }));
    const r = buildDrillResult(f);
    expect(r.passed).toBe(true);
    expect(renderSummaryTable([r]).split('\n')[2]).toMatch(/^pool-exhaustion\s+PASS\s+yes\s+n\/a\s+n\/a\s+yes\s+no\s+/);
    expect(renderHtmlReport(r)).toContain('no action: nothing was broken (localization and root cause do not apply)');
    expect(await renderDrillPostmortem(r)).toContain('Nothing was broken in this drill: localization and root cause do not apply');
    expect(renderJunit([r])).toContain('localized=n/a rootCause=n/a');
  });
});
