import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { DurableJournal, MemoryStore } from '../memory/types.js';
import type { Context, Step } from '../primitives/index.js';
import { readAlertLog, withAlertLog } from './alert-log.js';
import type { IncidentOwner, IncidentRecord, RespondOptions, TimelineEntry } from './incident.js';
import type { IncidentInput } from './incident-response.js';
import type { IncidentStore } from './incident-store.js';
import { renderPostmortem } from './postmortem.js';
import { IncidentRecorder } from './recorder.js';
import type { IncidentHooks } from './service-types.js';
import type { IncidentOutcome } from './state.js';

/** An incident running in this process. */
export interface Live {
  record: IncidentRecord;
  /** Aborted when the caller that started the incident (in this process) cancels it. */
  controller: AbortController;
  recorder: IncidentRecorder;
  onProgress?: RespondOptions['onProgress'];
  /** Settles with the record once the run's last write (end, or interruption) is stored. */
  finished: Promise<IncidentRecord>;
}

/** What respond()/resume() leave for the run when it starts in this process. */
export interface Waiting {
  onProgress?: RespondOptions['onProgress'];
  signal?: AbortSignal;
}

/** What the incident workflow returns to the runner (and DBOS stores). */
export interface IncidentRunResult {
  id: string;
  status: string;
  resolved: boolean;
  summary: string;
}

/** What the run step shares with the service that registered it. */
export interface ExecutionDeps {
  readonly memory: MemoryStore;
  readonly store: IncidentStore;
  readonly journal: DurableJournal | undefined;
  readonly workflow: Step<IncidentInput, IncidentOutcome>;
  readonly live: Map<string, Live>;
  readonly waiting: Map<string, Waiting>;
  /** Aborted when the service closes: running incidents are interrupted, not ended. */
  readonly closing: AbortSignal;
  /** Filled in once the runner is open (the step must exist before it). */
  readonly placement: { kind: 'local' | 'dbos'; self?: IncidentOwner };
  readonly hooks?: IncidentHooks;
  readonly postmortemDir?: string;
  readonly logger?: Logger;
  changed(id: string): void;
  /** Withdraws approval requests an ended incident left open (the broker's). */
  withdraw?(runId: string, reason: string): Promise<unknown>;
}

/** `<dir>/<id>/postmortem.md`, or undefined without a post-mortem directory. */
export function postmortemFile(dir: string | undefined, id: string): string | undefined {
  return dir ? join(dir, id, 'postmortem.md') : undefined;
}

export function resultOf(r: IncidentRecord): IncidentRunResult {
  return { id: r.id, status: r.status, resolved: r.outcome?.resolved === true, summary: r.outcome?.summary ?? '' };
}

/**
 * The step a runner runs for every incident, in whichever process executes it (with DBOS, maybe not the one
 * that received the alert): loads the record, attaches the recorder and the caller's progress listener (when
 * it was started here), runs the workflow, and ends the record — or, when the service is closing, leaves it
 * running and resumable. Transparent: the workflow's steps keep their paths (incident/devops/…) and journal.
 */
export function incidentRunStep(d: ExecutionDeps): Step<IncidentInput, IncidentRunResult> {
  return { name: 'incident-run', kind: 'incident-run', transparent: true, children: [d.workflow], run: (input, ctx) => runIncident(d, input, ctx) };
}

async function runIncident(d: ExecutionDeps, input: IncidentInput, ctx: Context): Promise<IncidentRunResult> {
  const id = ctx.runId;
  const record = await d.store.get(id);
  if (!record) throw new Error(`incident ${id} has no record in memory; it cannot run`);
  if (record.endedAt) return resultOf(record);
  const local = d.waiting.get(id);
  d.waiting.delete(id);
  const resumed = record.status !== 'queued';
  let settleFinished!: (r: IncidentRecord) => void;
  const journal = d.journal;
  const entry: Live = {
    record,
    controller: new AbortController(),
    finished: new Promise((resolve) => (settleFinished = resolve)),
    recorder: new IncidentRecorder(record, (e) => progress(d, entry, e), journal ? async (path) => (await journal.lookup(id, path))?.output : undefined),
    ...(local?.onProgress ? { onProgress: local.onProgress } : {}),
  };
  d.live.set(id, entry);
  const onCallerAbort = (): void => entry.controller.abort(local?.signal?.reason);
  if (local?.signal?.aborted) onCallerAbort();
  local?.signal?.addEventListener('abort', onCallerAbort, { once: true });
  const waitedMs = resumed ? 0 : Date.now() - Date.parse(record.startedAt);
  if (resumed) entry.recorder.note('resumed', `resumed from the journal (status was ${record.status})`);
  else if (waitedMs >= 1000) entry.recorder.note('started', `started after ${(waitedMs / 1000).toFixed(1)} s in the queue`);
  record.status = 'running';
  if (d.placement.kind === 'dbos' && d.placement.self) record.owner = d.placement.self;
  progress(d, entry, undefined);
  callHook(d, () => d.hooks?.started?.(record, { resumed, waitedMs }));
  try {
    const outcome = await ctx.run(d.workflow, input, { signal: AbortSignal.any([ctx.signal, d.closing, entry.controller.signal]) });
    return resultOf(await finish(d, entry, outcome, undefined, false));
  } catch (err) {
    if (d.closing.aborted) {
      // The process is shutting down: leave the incident running so that resume/recover continues it.
      entry.recorder.note('interrupted', 'the service closed while the incident was running; it resumes on restart');
      await d.store.save(record, true);
      d.live.delete(id);
      settleFinished(record);
      // DBOS records a workflow that returns or throws as finished; one cut off by a shutdown must stay
      // PENDING so that a restart (same executor id) or a peer resumes it. So it never settles.
      if (d.placement.kind === 'dbos') await new Promise<never>(() => undefined);
      throw err;
    }
    return resultOf(await finish(d, entry, undefined, err, entry.controller.signal.aborted || ctx.signal.aborted));
  } finally {
    local?.signal?.removeEventListener('abort', onCallerAbort);
    settleFinished(record);
  }
}

function progress(d: ExecutionDeps, entry: Live, e: TimelineEntry | undefined): void {
  void d.store.save(entry.record);
  if (e && entry.onProgress) {
    try {
      entry.onProgress(e, entry.record);
    } catch (err) {
      d.logger?.warn({ err }, 'onProgress listener failed');
    }
  }
  d.changed(entry.record.id);
}

async function finish(d: ExecutionDeps, entry: Live, outcome: IncidentOutcome | undefined, err: unknown, cancelled: boolean): Promise<IncidentRecord> {
  const r = entry.record;
  if (outcome) {
    for (const [name, value] of Object.entries({ observability: outcome.state.assessment, backend: outcome.state.fix, devops: outcome.state.devops })) {
      if (value !== undefined) r.outputs[name] = value;
    }
    if (outcome.state.severity) r.severity = outcome.state.severity;
    r.outcome = { resolved: outcome.resolved, summary: outcome.summary, ...(outcome.error ? { error: outcome.error } : {}) };
    r.status = outcome.resolved ? 'resolved' : 'unresolved';
  } else {
    r.status = cancelled ? 'cancelled' : 'failed';
    r.outcome = { resolved: false, summary: cancelled ? 'The response was cancelled.' : 'The workflow failed.', error: err instanceof Error ? err.message : String(err) };
  }
  r.endedAt = new Date().toISOString();
  entry.recorder.note('end', `incident ${r.status}: ${r.outcome?.summary ?? ''}`);
  // An ended incident waits for nothing: requests it left open (a cancelled wait) are withdrawn. An interrupted
  // one (never ended here) keeps them, for the resumed run to re-attach to.
  await d.withdraw?.(r.id, `the incident ended (${r.status})`).catch((e: unknown) => d.logger?.warn({ err: e, id: r.id }, 'could not withdraw open approval requests'));
  await d.store.save(r, true);
  const file = postmortemFile(d.postmortemDir, r.id);
  if (file) {
    try {
      await mkdir(join(d.postmortemDir as string, r.id), { recursive: true });
      // Rendered with the alert log merged in: the post-mortem tells when the source saw the alert fire and recover.
      await writeFile(file, renderPostmortem(withAlertLog(r, await readAlertLog(d.memory, r.id))));
    } catch (writeErr) {
      d.logger?.warn({ err: writeErr, file }, 'could not write the post-mortem');
    }
  }
  d.live.delete(r.id);
  d.changed(r.id);
  callHook(d, () => d.hooks?.ended?.(r));
  return r;
}

function callHook(d: ExecutionDeps, fn: () => void): void {
  try {
    fn();
  } catch (err) {
    d.logger?.warn({ err }, 'incident hook failed');
  }
}
