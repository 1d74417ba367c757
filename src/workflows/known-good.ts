import { summarize, type ChangeReport, type ReleaseRef } from './changes.js';

/**
 * Finds the known-good release and the suspect change by measuring: walking back from the newest release live
 * before the symptom, the first that served for `minLiveSeconds` and was healthy (`healthyAt`: the SLO checks
 * held) at the end of that time is the known-good one; the change after it is the suspect (when it is within
 * the suspicion window). Without changes, or without a healthy release, there is neither.
 */
export async function findKnownGood(
  report: ChangeReport,
  healthyAt: (unixSeconds: number) => Promise<boolean>,
  o: { minLiveSeconds: number; suspectWindowMinutes: number },
): Promise<ChangeReport> {
  const changes = report.changes;
  const out: ChangeReport = { ...report };
  delete out.suspect;
  delete out.knownGood;
  if (changes.length === 0) return { ...out, summary: summarize(out) };
  const symptom = Date.parse(report.symptomStart);
  const releases = [
    { ref: changes[0]!.previous, from: changes[0]!.previousSince ? Date.parse(changes[0]!.previousSince) : undefined, until: Date.parse(changes[0]!.startedAt), next: changes[0] },
    ...changes.map((c, i) => ({ ref: c.release as ReleaseRef | undefined, from: Date.parse(c.at), until: changes[i + 1] ? Date.parse(changes[i + 1]!.startedAt) : Number.POSITIVE_INFINITY, next: changes[i + 1] })),
  ];
  for (let i = releases.length - 1; i >= 0; i--) {
    const r = releases[i]!;
    const end = Math.min(r.until, symptom);
    if (!r.ref || (r.from !== undefined && (end - r.from) / 1000 < o.minLiveSeconds)) continue;
    if (!(await healthyAt(Math.floor(end / 1000) - 1))) continue;
    out.knownGood = r.ref;
    const next = r.next;
    if (next && Date.parse(next.at) >= symptom - o.suspectWindowMinutes * 60_000) {
      const leadSeconds = Math.round((symptom - Date.parse(next.at)) / 1000);
      const when = leadSeconds >= 0 ? `${leadSeconds} s before the symptom began` : `${-leadSeconds} s after the symptom began`;
      out.suspect = { change: next, leadSeconds, reason: `${next.summary}, ${when}, replacing the last known-good release: a bad release is the first hypothesis to confirm or rule out` };
      out.baselineAt = Math.floor(Date.parse(next.startedAt) / 1000) - 1;
      // "Before" is the known-good release at work, not whatever ran before it.
      if (r.from !== undefined) out.baselineWindow = `${Math.min(300, Math.max(5, Math.floor((Date.parse(next.startedAt) - r.from) / 1000) - 2))}s`;
    }
    break;
  }
  return { ...out, summary: summarize(out) };
}
