/**
 * Change awareness: what changed around the start of an incident, and what that means for the response.
 * Pure functions over what the tools returned (deploy history, version metric, configuration diffs), so the
 * reasoning is testable without a lab; stage-situation.ts gathers the inputs.
 *
 * The rules:
 * - a change is a rollout that replaced a running release with another revision (a first deploy, or a redeploy
 *   of the same revision, is not a change), or a new version of
 *   the service seen in its version metric (`build_info`) when no deploy history is available;
 * - the KNOWN-GOOD release is the newest release that was live before the symptom began, for at least
 *   `knownGoodMinLiveSeconds`, and healthy (the SLO checks held) at the end of that time — never a release
 *   deployed during the incident, never one that was already failing (findKnownGood);
 * - the SUSPECT is the change right after the known-good release, if it took effect within
 *   `suspectWindowMinutes` of the symptom: "bad release" is the first hypothesis to confirm or rule out, with
 *   the evidence recorded. No known-good release (nothing healthy to go back to) means nothing to roll back to;
 * - `current` is the release running when the response began: what "leave it no worse" restores.
 */

/** One release of the service, as far as the tools told. */
export interface ReleaseRef {
  releaseId?: string;
  revision?: string;
  version?: string;
  ref?: string;
}

export interface ConfigChange {
  /** Dotted key path in the file (`pool.size`), or the file path for a non-JSON file. */
  path: string;
  before: unknown;
  after: unknown;
}

/** A change that took effect: a rollout or a new version of the service. */
export interface ChangeEvent {
  kind: 'deploy' | 'rollback' | 'version';
  /** When it took effect (ISO): the rollout finished, or the version was first seen. */
  at: string;
  /** When it began (ISO): the rollout started (the old release stopped serving). */
  startedAt: string;
  release: ReleaseRef;
  previous?: ReleaseRef;
  /** When the previous release went live (ISO), when the history says. */
  previousSince?: string;
  outcome?: string;
  /** Why a rollout failed (exit code, first error line), as the deploy tool recorded it. */
  error?: string;
  trigger?: string;
  reason?: string;
  /** What the change did to the configuration (filled in for the suspect changes). */
  config?: ConfigChange[];
  summary: string;
}

export interface ChangeReport {
  /** The window searched (ISO). */
  from: string;
  to: string;
  /** When the symptom began: the alert's start. */
  symptomStart: string;
  /** Changes in the window, oldest first. */
  changes: ChangeEvent[];
  suspect?: { change: ChangeEvent; leadSeconds: number; reason: string };
  /** The release running when the response began. */
  current?: ReleaseRef & { state?: string };
  /** The release live and healthy before the incident began: the only rollback target. */
  knownGood?: ReleaseRef;
  /** Unix seconds to compare "before" with "now" at: just before the suspect began, or before the symptom. */
  baselineAt: number;
  /** The PromQL range to measure "before" over, ending at baselineAt: the known-good release's life, within [5s, 5m]. */
  baselineWindow: string;
  /** Unix seconds of the oldest sample of the service's version metric: how far back its metrics go. */
  dataSince?: number;
  /** Commits on the base branch in the window, newest first (first line of the message). */
  commits?: CommitRef[];
  /** What each source answered: ok, or why it could not be read. */
  sources: Record<string, string>;
  summary: string;
}

export interface ChangeOptions {
  /** How far back to look for changes (default 60 min). */
  lookbackMinutes?: number;
  /** How long before the symptom a change is suspect (default 30 min). */
  suspectWindowMinutes?: number;
  /** How long a release must have served, healthy, to be known-good (default 120 s). */
  knownGoodMinLiveSeconds?: number;
}

/** A commit on the base branch, as list_commits gave it. */
export interface CommitRef {
  sha: string;
  message: string;
  date?: string;
}

/** A rollout record as deploy.rollout_status reports it (the deploy MCP contract). */
export interface RolloutRecord {
  kind?: string;
  /** Who started it: the release pipeline or the deploy tool (`trigger` in older deployers). */
  triggeredBy?: string;
  trigger?: string;
  ref?: string;
  revision?: string;
  releaseId?: string;
  version?: string;
  previousReleaseId?: string;
  previousRevision?: string;
  previousVersion?: string;
  reason?: string;
  error?: string;
  startedAt?: string;
  finishedAt?: string;
  outcome?: string;
}

/** The version metric as a range query answers it: one series per (version, revision) and its sample times. */
export interface VersionSeries {
  version?: string;
  revision?: string;
  /** Unix seconds of the first and last sample. */
  firstSeen: number;
  lastSeen: number;
}

const short = (sha: string | undefined): string => (sha ? sha.slice(0, 7) : '?');

/** `r3 (abc1234, v1.5.0)`: how a release is named in summaries and tool arguments. */
export function describeRelease(r: ReleaseRef | undefined): string {
  if (!r) return 'unknown release';
  const parts = [r.revision ? short(r.revision) : undefined, r.version ? `v${r.version}` : undefined].filter(Boolean);
  return `${r.releaseId ?? r.ref ?? short(r.revision)}${parts.length ? ` (${parts.join(', ')})` : ''}`;
}

/** Rollouts that replaced a running release, as change events (oldest first). */
export function rolloutChanges(history: readonly RolloutRecord[]): ChangeEvent[] {
  // When the release a rollout replaced went live: the finish of its latest successful rollout before then,
  // followed back through redeploys of the same revision (a restart does not make a release new, and must not
  // make a long-healthy release look too young to be known-good).
  const ms = (iso: string | undefined): number => (iso === undefined ? Number.NaN : Date.parse(iso));
  const liveSince = (r: RolloutRecord): string | undefined => {
    let since: string | undefined;
    let release = { id: r.previousReleaseId, revision: r.previousRevision };
    let before = ms(r.startedAt);
    for (let hops = 0; hops < history.length; hops++) {
      const put = history
        .filter((h) => (release.id !== undefined ? h.releaseId === release.id : release.revision !== undefined && h.revision === release.revision))
        .filter((h) => h.outcome !== 'failed' && ms(h.finishedAt) <= before)
        .sort((a, b) => ms(a.finishedAt) - ms(b.finishedAt)).at(-1);
      if (!put) break;
      since = put.finishedAt;
      if (!(put.revision && put.previousRevision === put.revision && put.startedAt !== undefined)) break;
      release = { id: put.previousReleaseId, revision: put.previousRevision };
      before = ms(put.startedAt);
    }
    return since;
  };
  return history
    .filter((r) => r.previousReleaseId !== undefined || r.previousRevision !== undefined)
    // Redeploying the revision that already ran is a restart, not a change of code or configuration.
    .filter((r) => !(r.revision && r.previousRevision && r.revision === r.previousRevision))
    .filter((r) => r.startedAt !== undefined)
    .map((r): ChangeEvent => {
      const release: ReleaseRef = pick({ releaseId: r.releaseId, revision: r.revision, version: r.version, ref: r.ref });
      const previous: ReleaseRef = pick({ releaseId: r.previousReleaseId, revision: r.previousRevision, version: r.previousVersion });
      const trigger = r.triggeredBy ?? r.trigger;
      const kind = r.kind === 'rollback' ? 'rollback' : 'deploy';
      const since = liveSince(r);
      return {
        kind,
        at: r.finishedAt ?? r.startedAt!,
        startedAt: r.startedAt!,
        release,
        previous,
        ...(since ? { previousSince: since } : {}),
        ...(r.outcome ? { outcome: r.outcome } : {}),
        ...(trigger ? { trigger } : {}),
        ...(r.reason ? { reason: r.reason } : {}),
        ...(r.error ? { error: r.error.split('\n')[0]!.slice(0, 300) } : {}),
        summary: `${kind} of ${describeRelease(release)} replacing ${describeRelease(previous)}${r.outcome ? `: ${r.outcome}` : ''}${r.reason ? ` (${r.reason})` : ''}`,
      };
    })
    .sort((a, b) => Date.parse(a.startedAt) - Date.parse(b.startedAt));
}

/** New versions of the service seen in its version metric (the oldest series is the baseline, not a change). */
export function versionChanges(series: readonly VersionSeries[]): ChangeEvent[] {
  const sorted = [...series].sort((a, b) => a.firstSeen - b.firstSeen);
  return sorted.slice(1).map((s, i) => {
    const prev = sorted[i]!;
    const release = pick({ version: s.version, revision: s.revision });
    const previous = pick({ version: prev.version, revision: prev.revision });
    const at = new Date(s.firstSeen * 1000).toISOString();
    return { kind: 'version', at, startedAt: new Date(Math.min(s.firstSeen, prev.lastSeen) * 1000).toISOString(), release, previous, summary: `version ${describeRelease(release)} first seen, after ${describeRelease(previous)}` };
  });
}

/** Key-level differences between two JSON documents: dotted paths whose values differ (objects recurse). */
export function configDiff(before: unknown, after: unknown, prefix = ''): ConfigChange[] {
  const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
  if (isObj(before) && isObj(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((k) => configDiff(before[k], after[k], prefix ? `${prefix}.${k}` : k));
  }
  return JSON.stringify(before) === JSON.stringify(after) ? [] : [{ path: prefix || '(root)', before, after }];
}

/** `pool.size: 10 -> 50; startup.requires: ["a"] -> ["a","b"]`. */
export function describeConfigChanges(changes: readonly ConfigChange[]): string {
  const show = (v: unknown): string => (v === undefined ? '(unset)' : JSON.stringify(v));
  return changes.map((c) => `${c.path}: ${show(c.before)} -> ${show(c.after)}`).join('; ');
}

/**
 * Builds the change report: the changes in the window, the release running now and a baseline time before
 * the symptom; findKnownGood then measures which release was good and which change is suspect. `rollouts`
 * win over `versions` (they know release ids); versions fill in when there is no deploy history.
 */
export function buildChangeReport(input: {
  symptomStart: string;
  now: number;
  rollouts?: readonly RolloutRecord[];
  current?: ReleaseRef & { state?: string };
  versions?: readonly VersionSeries[];
  sources: Record<string, string>;
  options?: ChangeOptions;
}): ChangeReport {
  const lookbackMs = (input.options?.lookbackMinutes ?? 60) * 60_000;
  const symptom = Date.parse(input.symptomStart);
  const from = symptom - lookbackMs;
  const fromRollouts = input.rollouts ? rolloutChanges(input.rollouts) : [];
  const all = fromRollouts.length > 0 || input.rollouts?.length ? fromRollouts : versionChanges(input.versions ?? []);
  const changes = all.filter((c) => Date.parse(c.at) >= from && Date.parse(c.startedAt) <= input.now);
  const report: ChangeReport = {
    from: new Date(from).toISOString(),
    to: new Date(input.now).toISOString(),
    symptomStart: input.symptomStart,
    changes,
    ...(input.current ? { current: input.current } : {}),
    baselineAt: Math.floor(symptom / 1000) - 5,
    baselineWindow: '60s',
    sources: input.sources,
    summary: '',
  };
  report.summary = summarize(report);
  return report;
}

/**
 * Two refs name the same release: the same revision when both know it (two release ids of one revision are
 * the same code and configuration — "rolling back" to it would only restart), else the same release id.
 */
export function sameRelease(a: ReleaseRef | undefined, b: ReleaseRef | undefined): boolean {
  if (!a || !b) return false;
  if (a.revision && b.revision) return a.revision.startsWith(b.revision) || b.revision.startsWith(a.revision);
  if (a.releaseId && b.releaseId) return a.releaseId === b.releaseId;
  return false;
}

/** The report's one-paragraph summary (what changed, the suspect, the known-good release). */
export function summarize(r: ChangeReport): string {
  const n = r.changes.length;
  if (n === 0) {
    // Metrics younger than the window (a service started minutes ago) cannot say what changed before them.
    const from = Date.parse(r.from);
    const since = r.dataSince !== undefined && r.dataSince * 1000 > from ? r.dataSince * 1000 : undefined;
    const span = since !== undefined
      ? `since its metrics begin (${new Date(since).toISOString()}, ${Math.round((Date.parse(r.symptomStart) - since) / 1000)} s before the symptom)`
      : `in the ${Math.round((Date.parse(r.to) - from) / 60_000)} min before and since the symptom began`;
    return `No change to the service ${span}; nothing to roll back to.`;
  }
  const list = r.changes.map((c) => `${c.summary} at ${c.at}`).join('; ');
  const good = r.knownGood ? ` Last known-good release: ${describeRelease(r.knownGood)}.` : ' No release was measured healthy before the symptom: nothing to roll back to.';
  return `${n} change(s): ${list}.${r.suspect ? ` Suspect: ${r.suspect.reason}.` : ' No suspect change.'}${good}`;
}

function pick(o: Record<string, string | undefined>): ReleaseRef {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== '')) as ReleaseRef;
}

/** The key-level changes of one file (JSON), or the file itself when it is not JSON. */
export function fileChanges(path: string, before: string | undefined, after: string): ConfigChange[] {
  const parse = (text: string | undefined): unknown => {
    if (text === undefined) return undefined;
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  };
  const a = parse(before);
  const b = parse(after);
  const isJson = (v: unknown): boolean => v !== null && typeof v === 'object';
  if (isJson(a) && isJson(b)) return configDiff(a, b).map((c) => ({ ...c, path: qualify(path, c.path) }));
  return before === after ? [] : [{ path, before: before === undefined ? undefined : '(text)', after: '(changed)' }];
}

/** Keys of the service's main config file are bare (`pool.size`); other files' keys are `file:key`. */
function qualify(file: string, key: string): string {
  return file === 'service.config.json' ? key : `${file}:${key}`;
}
