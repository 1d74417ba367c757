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
    expect(md).toContain('| yes | yes | yes | yes | yes | 21.0 s | 44.5 s |');
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
    r.model = 'claude-sonnet-4-5';
    const html = renderHtmlReport(r);
    expect(html).toContain('id="verdict">FAIL');
    expect(html).toContain('<li>not localized: named payments-api</li>');
    expect(html).toContain('model: claude-sonnet-4-5');
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
    expect(xml).toContain('<failure message="not localized: named payments-api" type="DrillFailed">');
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
    expect(lines[0]).toMatch(/^scenario\s+result\s+detected\s+localized\s+root cause\s+mitigated\s+TTD\s+TTM\s+tools\s+tokens\s+reason$/);
    expect(lines[2]).toMatch(/^pool-exhaustion\s+PASS\s+yes\s+yes\s+yes\s+yes\s+21\.0 s\s+44\.5 s\s+12\s+0$/);
    expect(lines[3]).toMatch(/^retry-storm\s+FAIL\s+yes\s+no\s+no\s+yes .* not localized: named payments-api$/);
    expect(lines.at(-1)).toBe('1/2 drills passed');
  });
});
