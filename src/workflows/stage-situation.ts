import { z } from 'zod';
import { isAbortError } from '../primitives/errors.js';
import type { Context, Step } from '../primitives/types.js';
import type { ToolSet } from '../tools/types.js';
import { findKnownGood } from './known-good.js';
import { buildChangeReport, describeConfigChanges, fileChanges, summarize, type ChangeEvent, type ChangeReport, type ReleaseRef, type RolloutRecord, type VersionSeries } from './changes.js';
import type { IncidentContext } from './incident-context.js';
import { stage } from './stage.js';
import type { IncidentState } from './state.js';
import { toolData, toolError } from './tool-data.js';
import { holdsCheck, measureChecks, resolveChecks, sampleValue, verificationSchema, type SloStatus, type VerificationOptions, type VerificationSettings } from './verify.js';

/**
 * The situation, before any diagnosis: what changed around the incident's start (deploy history, the
 * service's version metric, the configuration diff of each suspect change) and whether the SLOs hold right
 * now. Code, not a persona: every persona — playbook or LLM — then starts from the same recorded facts
 * (`incident.changes`, `incident.slo`), and a source that cannot be read is recorded as such, never guessed.
 */

export const changesSchema = z.strictObject({
  /** How far before the symptom to look for changes. */
  lookbackMinutes: z.number().positive().max(7 * 24 * 60).default(60),
  /** A change this close before the symptom (or after it began) is suspect. */
  suspectWindowMinutes: z.number().positive().max(24 * 60).default(30),
  /** How long a release must have served, with the SLO checks holding, to be known-good (a rollback target). */
  knownGoodMinLiveSeconds: z.number().min(0).max(7 * 86_400).default(120),
  /** The service's version metric: one series per running version, labelled version and revision. */
  versionMetric: z.string().regex(/^[a-zA-Z_:][\w:]*$/, 'a metric name').default('build_info'),
  /** Files whose key-level diff is recorded for suspect changes (JSON files diff by key). */
  configFiles: z.array(z.string().min(1)).max(5).default(['service.config.json']),
  /** The tools read, by role: swap in your own servers' names. */
  tools: z.strictObject({
    rollouts: z.string().min(1).default('deploy.rollout_status'),
    query: z.string().min(1).default('grafana.query_prometheus'),
    file: z.string().min(1).default('github.get_file_contents'),
    commits: z.string().min(1).default('github.list_commits'),
  }).prefault({}),
});
export type ChangesOptions = z.input<typeof changesSchema>;
export type ChangesSettings = z.output<typeof changesSchema>;

export function situationStage(opts: { tools: ToolSet; changes: ChangesSettings; verification: VerificationSettings }): Step<IncidentState, IncidentState> {
  return stage('situation', 'situation', async (state, ctx) => ({ ...state, incident: await withSituation(state.incident, opts, ctx) }), (state) => state.incident.changes !== undefined);
}

/**
 * The incident with its situation: `changes` (what changed, the suspect, the known-good release), `slo` (do the
 * SLO checks hold now) and a rate `window` fitted to the data and the suspect. Emits 'changes' and 'slo.status'.
 *
 * When to use: first, in a workflow of your own, so every persona starts from the same recorded facts.
 * Gotchas: read-only; a source that cannot be read is recorded in `changes.sources`, never fatal.
 *
 * @example
 * const incident = await withSituation(state.incident, { tools }, ctx);
 */
export async function withSituation(
  incident: IncidentContext,
  opts: { tools: ToolSet; changes?: ChangesOptions | ChangesSettings; verification?: VerificationOptions | VerificationSettings },
  ctx: Context,
): Promise<IncidentContext> {
  const changesSettings = changesSchema.parse(opts.changes ?? {});
  const verification = verificationSchema.parse(opts.verification ?? {});
  const [changes, slo] = await Promise.all([gatherChanges(incident, changesSettings, opts.tools, ctx, verification), sloStatus(incident, verification, opts.tools, ctx)]);
  // "Now" is the symptomatic period: rates over the incident's window reach back no further than the symptom's
  // start (a window reaching into healthy time dilutes the rate Little's law multiplies), nor than the data.
  const symptomAt = Date.parse(incident.startsAt) / 1000;
  const window = fitWindow(incident.window, Math.max(changes.dataSince ?? 0, Number.isFinite(symptomAt) ? symptomAt : 0) || undefined);
  ctx.emit('changes', { summary: changes.summary, ...(changes.suspect ? { suspect: changes.suspect.reason } : {}), ...(changes.knownGood ? { knownGood: changes.knownGood } : {}), sources: changes.sources, report: changes });
  ctx.emit('slo.status', { healthy: slo.healthy, checks: slo.checks.map((c) => ({ name: c.name, value: c.value, ok: c.ok })) });
  if (ctx.memory) await ctx.memory.put('changes', changes as never);
  return { ...incident, changes, slo, window };
}

/** Reads deploy history, the version metric and suspect diffs; a failing source is noted, not fatal. */
export async function gatherChanges(incident: IncidentContext, o: ChangesSettings, tools: ToolSet, ctx: Context, verification: VerificationSettings): Promise<ChangeReport> {
  const now = Date.now();
  const sources: Record<string, string> = {};
  const available = new Set(tools.list().map((t) => t.name));
  const from = Date.parse(incident.startsAt) - o.lookbackMinutes * 60_000;

  let rollouts: RolloutRecord[] | undefined;
  let current: (ReleaseRef & { state?: string }) | undefined;
  const deploy = await read(o.tools.rollouts, { limit: 50 });
  if (deploy.ok) {
    // Records that are not objects are another deployer's shape, not history: skipped, never fatal.
    const history = Array.isArray(deploy.data.history) ? (deploy.data.history as unknown[]).filter((h): h is RolloutRecord => h !== null && typeof h === 'object' && !Array.isArray(h)) : [];
    rollouts = [...history].reverse();
    const c = deploy.data.current as Record<string, unknown> | undefined;
    if (c && typeof c === 'object') current = pick({ releaseId: c.releaseId, revision: c.revision, version: c.version, ref: c.ref, state: c.state });
  }
  sources.deploy = deploy.note;

  let versions: VersionSeries[] | undefined;
  const selector = incident.service ? `{service="${incident.service}"}` : incident.job ? `{job="${incident.job}"}` : '';
  const range = await read(o.tools.query, {
    queryType: 'range', expr: `max by (version, revision) (${o.versionMetric}${selector})`,
    startTime: new Date(from).toISOString(), endTime: new Date(now).toISOString(), stepSeconds: Math.max(5, Math.ceil((now - from) / 1000 / 2_000)),
  });
  if (range.ok) versions = versionSeries(range.data.result);
  const dataSince = versions?.length ? Math.min(...versions.map((v) => v.firstSeen)) : undefined;
  sources.versions = range.ok && versions?.length === 0 ? `no ${o.versionMetric} series for the service` : range.note;

  const built = buildChangeReport({ symptomStart: incident.startsAt, now, sources, options: o, ...(rollouts ? { rollouts } : {}), ...(current ? { current } : {}), ...(versions ? { versions } : {}) });
  // Which release was good is measured: the SLO checks, evaluated at the end of each release's life.
  const checks = resolveChecks(verification, incident);
  const healthyAt = async (t: number): Promise<boolean> => {
    const results = await Promise.all(checks.map((c) => read(verification.tool, { expr: c.expr, queryType: 'instant', startTime: new Date(t * 1000).toISOString() })));
    return results.every((r, i) => {
      if (!r.ok) return false;
      const v = sampleValue(r.data);
      return v === undefined ? checks[i]!.noData === 'pass' : holdsCheck(v, checks[i]!.op, checks[i]!.threshold);
    });
  };
  const report: ChangeReport = { ...(await findKnownGood(built, healthyAt, { minLiveSeconds: o.knownGoodMinLiveSeconds, suspectWindowMinutes: o.suspectWindowMinutes })), ...(dataSince !== undefined ? { dataSince } : {}) };
  if (!report.current && versions?.length) {
    const latest = [...versions].sort((a, b) => b.lastSeen - a.lastSeen)[0]!;
    report.current = pick({ version: latest.version, revision: latest.revision });
  }

  const repo = incident.repository;
  if (repo) {
    const commits = await read(o.tools.commits, { owner: repo.owner, repo: repo.repo, sha: repo.baseBranch, since: new Date(from).toISOString(), perPage: 10 });
    sources.commits = commits.note;
    const list = commits.ok && Array.isArray(commits.data.commits) ? (commits.data.commits as Record<string, unknown>[]) : [];
    // The suspect and every later change get their configuration diff: the evidence to confirm or rule them out.
    const suspects = report.suspect ? report.changes.filter((c) => Date.parse(c.at) >= Date.parse(report.suspect!.change.at)).slice(0, 3) : [];
    for (const change of suspects) await diffChange(change, repo);
    const withCommits = { ...report, commits: list.slice(0, 10).map((c) => ({ sha: String(c.sha ?? ''), message: String(c.message ?? '').split('\n')[0]!.slice(0, 200), ...(typeof (c.author as { date?: unknown } | undefined)?.date === 'string' ? { date: (c.author as { date: string }).date } : {}) })) };
    // Again: the config diffs are in the changes now, and how far back the metrics go is known.
    return { ...withCommits, summary: summarize(withCommits) };
  }
  return { ...report, summary: summarize(report) };

  async function diffChange(change: ChangeEvent, r: NonNullable<IncidentContext['repository']>): Promise<void> {
    const before = change.previous?.revision;
    const after = change.release.revision;
    if (!before || !after) return;
    const diffs = [];
    for (const path of o.configFiles) {
      const [a, b] = await Promise.all([before, after].map((ref) => read(o.tools.file, { owner: r.owner, repo: r.repo, path, ref })));
      if (a?.ok && b?.ok) diffs.push(...fileChanges(path, String(a.data.content ?? ''), String(b.data.content ?? '')));
    }
    change.config = diffs;
    if (diffs.length) change.summary = `${change.summary}; config: ${describeConfigChanges(diffs)}`;
  }

  async function read(tool: string, args: Record<string, unknown>): Promise<{ ok: true; data: Record<string, unknown>; note: string } | { ok: false; note: string }> {
    if (!available.has(tool)) return { ok: false, note: `tool ${tool} is not available` };
    try {
      const result = await tools.call(tool, args, { ctx, signal: ctx.signal });
      if (result.isError) return { ok: false, note: `${tool} failed: ${toolError(result)}` };
      return { ok: true, data: toolData(result), note: 'ok' };
    } catch (err) {
      if (ctx.signal.aborted || isAbortError(err)) throw err;
      return { ok: false, note: `${tool} failed: ${err instanceof Error ? err.message : String(err)}` };
    }
  }
}

/**
 * The investigation's rate window, no longer than `since` (unix seconds) goes back: rate() over a window that
 * starts before the first sample underestimates (a 50 s window over 10 s of data reads a fifth of the rate),
 * and Little's law would then call a saturated pool under-used. Unchanged when `since` is unknown, and never
 * made longer than it was (a window at or under the 10 s floor stays as it is).
 */
export function fitWindow(window: string, since: number | undefined, now = Date.now()): string {
  if (since === undefined) return window;
  const m = /^(\d+)(ms|s|m|h|d)$/.exec(window);
  if (!m) return window;
  const unit: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86_400 };
  const seconds = Number(m[1]) * unit[m[2]!]!;
  const age = Math.floor(now / 1000 - since) - 2;
  return age >= seconds || seconds <= 10 ? window : `${Math.max(10, age)}s`;
}

/** The SLO checks measured once: do they hold right now? */
export async function sloStatus(incident: IncidentContext, verification: VerificationSettings, tools: ToolSet, ctx: Context): Promise<SloStatus> {
  const checks = await measureChecks(resolveChecks(verification, incident), verification.tool, tools, ctx);
  const p95 = checks.find((c) => /histogram_quantile\(\s*0?\.95\s*,/.test(c.query) && c.op.startsWith('<'));
  return {
    healthy: checks.every((c) => c.ok),
    ...(p95 ? { p95Seconds: p95.threshold } : {}),
    checks: checks.map((c) => ({ name: c.name, query: c.query, value: c.value ?? null, op: c.op, threshold: c.threshold, ok: c.ok })),
  };
}

/** Range-query series of the version metric -> first/last seen per (version, revision). */
export function versionSeries(result: unknown): VersionSeries[] {
  if (!Array.isArray(result)) return [];
  return result.flatMap((s: { metric?: Record<string, string>; values?: unknown } | null) => {
    if (s === null || typeof s !== 'object') return [];
    const times = (Array.isArray(s.values) ? s.values : []).map((v) => (Array.isArray(v) ? Number(v[0]) : Number.NaN)).filter(Number.isFinite);
    if (times.length === 0) return [];
    return [{ ...(s.metric?.version ? { version: s.metric.version } : {}), ...(s.metric?.revision ? { revision: s.metric.revision } : {}), firstSeen: Math.min(...times), lastSeen: Math.max(...times) }];
  });
}

function pick<T extends Record<string, unknown>>(o: T): { [K in keyof T]?: string } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => typeof v === 'string' && v !== '')) as { [K in keyof T]?: string };
}
