import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { openMemory } from '../memory/open.js';
import { scoped } from '../memory/scoped.js';
import type { MemoryStore } from '../memory/types.js';
import type { ChatModel } from '../models/types.js';
import { sleep, type Context, type EventSink, type Step } from '../primitives/index.js';
import { RunCancelledError } from '../runners/errors.js';
import type { RunHandle, Runner } from '../runners/types.js';
import type { ToolSet } from '../tools/types.js';
import { parseAlert } from './alert.js';
import { readAlertLog, withAlertLog } from './alert-log.js';
import { ApprovalBroker, type ApprovalPolicy, type ApprovalRequest } from './approval-broker.js';
import { DEFAULT_RISKY, gateTools } from './approval-gate.js';
import type { IncidentOwner, IncidentRecord, IncidentService, IncidentSummary, RespondOptions, TimelineEntry } from './incident.js';
import { buildIncidentContext, type ServiceSettings } from './incident-context.js';
import { recoverIncidents } from './incident-recovery.js';
import { incidentResponse, type IncidentInput, type IncidentWorkflowOptions } from './incident-response.js';
import { currentOwner, INCIDENT_WORKFLOW, incidentPriority, openIncidentRunner, type IncidentRunnerOptions } from './incident-runner.js';
import type { Notifier } from './notifier.js';
import { renderPostmortem } from './postmortem.js';
import { IncidentRecorder } from './recorder.js';
import { IncidentStore, namespace as namespaceOf, summary as summaryOf } from './incident-store.js';
import { modelLabelOf, newIncidentId, newRecord } from './records.js';
import type { IncidentOutcome } from './state.js';

export interface IncidentServiceOptions {
  /** The tools (usually a tool host); the service puts an approval gate in front of them per incident. */
  tools: ToolSet;
  /** One model for every persona, or one per persona name (e.g. playbookModels()). */
  model: ChatModel | ((persona: string) => ChatModel | undefined);
  /** What the record calls the model; default the observability model's label or id. */
  modelLabel?: string;
  /** Where records, findings and the run journal live; default an in-process store (`memory:`). */
  memory?: MemoryStore;
  /** Journal runs so a crashed incident resumes (`resume(id)`) without repeating side effects; default true. */
  journal?: boolean;
  approval?: { policy?: ApprovalPolicy; timeoutMs?: number; risky?: readonly string[] };
  notifier?: Notifier;
  /** Incident context: default repository (`owner/name`), base branch, per-service settings, window override. */
  repository?: string;
  baseBranch?: string;
  services?: Readonly<Record<string, ServiceSettings>>;
  window?: string;
  /** Workflow options: persona overrides, verification, deploy retries, ticket, default severity. */
  workflow?: Omit<IncidentWorkflowOptions, 'tools' | 'model' | 'notifier'>;
  /** Where incidents run (default: this process, 16 at once, p0 first); see IncidentRunnerOptions. */
  runner?: IncidentRunnerOptions;
  /** Observers of the incidents this process runs (metrics). */
  hooks?: IncidentHooks;
  /** Also write `<dir>/<id>/postmortem.md` when an incident ends. */
  postmortemDir?: string;
  logger?: Logger;
}

/** Called in the process that RUNS an incident (with the dbos runner, maybe not the one that received it). */
export interface IncidentHooks {
  /** An incident started (or resumed) running; `waitedMs` is its time in the queue (0 on a resume). */
  started?(record: IncidentRecord, info: { resumed: boolean; waitedMs: number }): void;
  /** An incident ended (resolved, unresolved, failed, cancelled). */
  ended?(record: IncidentRecord): void;
  /** Sees every event of every incident run here: tool calls, persona turns, approvals… */
  sink?: EventSink;
}

/** The service plus what the CLI and tests need beyond the shared contract. */
export interface IncidentServiceHandle extends IncidentService {
  /** Continues an incident that was running when its process died, from its journal: finished steps are not repeated. */
  resume(id: string, opts?: RespondOptions): Promise<{ id: string; done: Promise<IncidentRecord> }>;
  /**
   * Resumes every incident left queued or running by a process that died (local runner: owners on this host
   * whose pid is gone; dbos runner: records whose run never reached the queue). Returns their ids. Two
   * processes recovering at once never take the same incident. `firebreak serve` calls it on start.
   */
  recover(): Promise<string[]>;
  readonly broker: ApprovalBroker;
  /** The runner incidents are queued on (for queue depth metrics). */
  readonly runner: Runner;
  /** This process as an incident owner (its runner kind, and DBOS executor id when it runs a worker). */
  readonly owner: IncidentOwner;
  /** Where the post-mortem of an ended incident was written, if postmortemDir is set. */
  postmortemPath(id: string): string | undefined;
}

interface Live {
  record: IncidentRecord;
  /** Aborted when the caller that started the incident (in this process) cancels it. */
  controller: AbortController;
  recorder: IncidentRecorder;
  onProgress?: RespondOptions['onProgress'];
  /** Settles with the record once the run's last write (end, or interruption) is stored. */
  finished: Promise<IncidentRecord>;
}

/** What respond()/resume() leave for the run when it starts in this process. */
interface Waiting {
  onProgress?: RespondOptions['onProgress'];
  signal?: AbortSignal;
}

/** What the incident workflow returns to the runner (and DBOS stores). */
interface IncidentRunResult {
  id: string;
  status: string;
  resolved: boolean;
  summary: string;
}

/**
 * Creates the service that starts incidents and tracks them: records, pending approvals, change notifications
 * and post-mortems. Used by `firebreak respond`, `firebreak serve`, `firebreak worker --config`, the MCP
 * server and drills.
 *
 * When to use: once per process, with the tool host and model(s) of that process.
 * What it does: `respond(alert)` validates the alert, opens the incident's record in memory and queues the
 * incident on the runner (by severity: p0 first); the run executes the workflow with the incident's memory
 * namespace, the run journal and an approval gate (policy auto | require | deny; `require` waits on the
 * broker, whose timeout escalates through the notifier). Reads merge the incident's alert log (alerts
 * deduplicated into it by `firebreak serve`, resolutions).
 * Gotchas: `close()` stops running incidents without marking them ended (resume or recover them later); it
 * closes the memory store only if the service opened it. The tool host is the caller's to close. With the
 * dbos runner, `done` polls the database: only await it when you need it.
 */
export async function createIncidentService(opts: IncidentServiceOptions): Promise<IncidentServiceHandle> {
  const ownsMemory = opts.memory === undefined;
  const memory = opts.memory ?? (await openMemory('memory:'));
  const store = new IncidentStore(memory, opts.logger);
  const live = new Map<string, Live>();
  const waiting = new Map<string, Waiting>();
  const listeners = new Set<(id: string) => void>();
  const closer = new AbortController();
  let closing = false;
  const policy = opts.approval?.policy ?? 'require';
  const modelLabel = opts.modelLabel ?? modelLabelOf(opts.model);
  const broker = new ApprovalBroker({
    ...(opts.approval?.timeoutMs !== undefined ? { timeoutMs: opts.approval.timeoutMs } : {}),
    onEscalate: (req) => escalateTimeout(req),
  });
  const changed = (id: string): void => {
    for (const l of listeners) {
      try {
        l(id);
      } catch (err) {
        opts.logger?.warn({ err, id }, 'incident change listener failed');
      }
    }
  };

  broker.on('requested', (req: ApprovalRequest) => live.get(req.runId)?.recorder.approvalRequested(req));
  broker.on('decided', (req: ApprovalRequest, decision) => live.get(req.runId)?.recorder.approvalDecided(req, decision));

  async function escalateTimeout(req: ApprovalRequest): Promise<void> {
    const l = live.get(req.runId);
    if (!l) return;
    l.recorder.note('approval.timeout', `no decision on ${req.action} in time: escalated`, { id: req.id, action: req.action });
    const page = opts.notifier?.page;
    const result = page
      ? await page.send({
        incidentId: req.runId, title: l.record.title, severity: l.record.severity ?? 'unknown', reason: 'approval-timeout',
        text: `Incident ${req.runId}: ${req.action} waited too long for approval and was rejected. A human must decide how to proceed.`,
      }, { tools: opts.tools })
      : { ok: false, via: 'none', detail: 'no page notifier is configured' };
    l.recorder.note('notification', `page ${result.ok ? 'notified' : 'NOT notified'} via ${result.via} (approval-timeout)`, { ...result, target: 'page', reason: 'approval-timeout' });
  }

  const journal = opts.journal === false ? undefined : memory.journal();

  // One workflow for every incident, registered with the runner. What differs per incident — the approval
  // policy, the timeline — is looked up by the run's id: tool calls carry their context, events their runId.
  const risky = opts.approval?.risky ?? DEFAULT_RISKY;
  const gates: Record<ApprovalPolicy, ToolSet> = {
    auto: gateTools(opts.tools, { policy: 'auto', risky }),
    deny: gateTools(opts.tools, { policy: 'deny', risky }),
    require: gateTools(opts.tools, { policy: 'require', risky, approver: broker }),
  };
  const tools: ToolSet = {
    list: () => opts.tools.list(),
    call: (name, args, callOpts = {}) => {
      const record = callOpts.ctx ? live.get(callOpts.ctx.runId)?.record : undefined;
      // A call outside any incident run has no policy of its own: it gets the service's default.
      return gates[record?.approvalPolicy ?? policy].call(name, args, callOpts);
    },
  };
  const workflow = incidentResponse({ ...(opts.workflow ?? {}), tools, model: opts.model, ...(opts.notifier ? { notifier: opts.notifier } : {}) });
  const execute: Step<IncidentInput, IncidentRunResult> = {
    name: 'incident-run',
    kind: 'incident-run',
    // Adds no path segment: the workflow's steps keep their paths (incident/devops/…) and their journal.
    transparent: true,
    children: [workflow],
    run: (input, ctx) => runIncident(input, ctx),
  };
  const sink: EventSink = {
    lifecycle: true,
    handle: (event) => {
      live.get(event.runId)?.recorder.handle(event);
      opts.hooks?.sink?.handle(event);
    },
  };
  const opened = await openIncidentRunner(execute, opts.runner ?? { kind: 'local' }, {
    memory: (runId) => scoped(memory, namespaceOf(runId)),
    journal,
    sinks: [sink],
    ...(opts.logger ? { logger: opts.logger } : {}),
  });
  const { runner } = opened;
  const self: IncidentOwner = currentOwner(opened.kind, opened.executor);

  /** The body of every incident run, in whichever process executes it. */
  async function runIncident(input: IncidentInput, ctx: Context): Promise<IncidentRunResult> {
    const id = ctx.runId;
    const record = await store.get(id);
    if (!record) throw new Error(`incident ${id} has no record in memory; it cannot run`);
    if (record.endedAt) return resultOf(record);
    const local = waiting.get(id);
    waiting.delete(id);
    const resumed = record.status !== 'queued';
    let settleFinished!: (r: IncidentRecord) => void;
    const entry: Live = {
      record,
      controller: new AbortController(),
      finished: new Promise((resolve) => (settleFinished = resolve)),
      recorder: new IncidentRecorder(record, (e) => progress(entry, e), journal ? async (path) => (await journal.lookup(id, path))?.output : undefined),
      ...(local?.onProgress ? { onProgress: local.onProgress } : {}),
    };
    live.set(id, entry);
    const onCallerAbort = (): void => entry.controller.abort(local?.signal?.reason);
    if (local?.signal?.aborted) onCallerAbort();
    local?.signal?.addEventListener('abort', onCallerAbort, { once: true });
    const waitedMs = resumed ? 0 : Date.now() - Date.parse(record.startedAt);
    if (resumed) entry.recorder.note('resumed', `resumed from the journal (status was ${record.status})`);
    else if (waitedMs >= 1000) entry.recorder.note('started', `started after ${(waitedMs / 1000).toFixed(1)} s in the queue`);
    record.status = 'running';
    if (opened.kind === 'dbos') record.owner = self;
    progress(entry, undefined);
    callHook(() => opts.hooks?.started?.(record, { resumed, waitedMs }));
    try {
      const outcome = await ctx.run(workflow, input, { signal: AbortSignal.any([ctx.signal, closer.signal, entry.controller.signal]) });
      return resultOf(await finish(entry, outcome, undefined, false));
    } catch (err) {
      if (closer.signal.aborted) {
        // The process is shutting down: leave the incident running so that resume/recover continues it.
        entry.recorder.note('interrupted', 'the service closed while the incident was running; it resumes on restart');
        await store.save(record, true);
        live.delete(id);
        settleFinished(record);
        // DBOS records a workflow that returns or throws as finished; one cut off by a shutdown must stay
        // PENDING so that a restart (same executor id) or a peer resumes it. So it never settles.
        if (opened.kind === 'dbos') await new Promise<never>(() => undefined);
        throw err;
      }
      return resultOf(await finish(entry, undefined, err, entry.controller.signal.aborted || ctx.signal.aborted));
    } finally {
      local?.signal?.removeEventListener('abort', onCallerAbort);
      settleFinished(record);
    }
  }

  function progress(entry: Live, e: TimelineEntry | undefined): void {
    void store.save(entry.record);
    if (e && entry.onProgress) {
      try {
        entry.onProgress(e, entry.record);
      } catch (err) {
        opts.logger?.warn({ err }, 'onProgress listener failed');
      }
    }
    changed(entry.record.id);
  }

  async function finish(entry: Live, outcome: IncidentOutcome | undefined, err: unknown, cancelled: boolean): Promise<IncidentRecord> {
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
    await store.save(r, true);
    if (opts.postmortemDir) await writePostmortem(r);
    live.delete(r.id);
    changed(r.id);
    callHook(() => opts.hooks?.ended?.(r));
    return r;
  }

  async function writePostmortem(r: IncidentRecord): Promise<void> {
    const file = postmortemFile(r.id) as string;
    try {
      await mkdir(join(opts.postmortemDir as string, r.id), { recursive: true });
      await writeFile(file, renderPostmortem(withAlertLog(r, await readAlertLog(memory, r.id))));
    } catch (writeErr) {
      opts.logger?.warn({ err: writeErr, file }, 'could not write the post-mortem');
    }
  }

  function callHook(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      opts.logger?.warn({ err }, 'incident hook failed');
    }
  }

  /** Queues a run of incident `record.id`; `done` is lazy (with DBOS it polls the database). */
  async function enqueue(record: IncidentRecord, input: IncidentInput, ropts: RespondOptions): Promise<{ id: string; done: Promise<IncidentRecord> }> {
    const id = record.id;
    if (ropts.onProgress || ropts.signal) waiting.set(id, { ...(ropts.onProgress ? { onProgress: ropts.onProgress } : {}), ...(ropts.signal ? { signal: ropts.signal } : {}) });
    let handle: RunHandle<IncidentRunResult>;
    try {
      handle = await runner.enqueue<IncidentInput, IncidentRunResult>(INCIDENT_WORKFLOW, input, { runId: id, priority: incidentPriority(record.severity) });
    } catch (err) {
      waiting.delete(id);
      throw err;
    }
    // Cancelling a queued run takes it off the queue: nothing else would end its record.
    const onAbort = (): void => void runner.cancel(id).catch(() => undefined);
    ropts.signal?.addEventListener('abort', onAbort, { once: true });
    let done: Promise<IncidentRecord> | undefined;
    return {
      id,
      get done() {
        return (done ??= settle(id, handle).finally(() => ropts.signal?.removeEventListener('abort', onAbort)));
      },
    };
  }

  async function settle(id: string, handle: RunHandle<IncidentRunResult>): Promise<IncidentRecord> {
    const error = await handle.result().then(() => undefined, (err: unknown) => err);
    await live.get(id)?.finished;
    const record = await service.get(id);
    if (!record) throw new Error(`incident ${id} has no record`);
    if (error instanceof RunCancelledError && !record.endedAt && record.status === 'queued' && !closer.signal.aborted) {
      const stored = await store.get(id);
      if (stored && !stored.endedAt) {
        Object.assign(stored, { status: 'cancelled', endedAt: new Date().toISOString(), outcome: { resolved: false, summary: 'The response was cancelled before it started.' } });
        await store.save(stored, true);
        changed(id);
        return service.get(id) as Promise<IncidentRecord>;
      }
    }
    return record;
  }

  const postmortemFile = (id: string): string | undefined => (opts.postmortemDir ? join(opts.postmortemDir, id, 'postmortem.md') : undefined);

  const service: IncidentServiceHandle = {
    broker,
    runner,
    owner: self,
    async respond(payload: unknown, ropts: RespondOptions = {}) {
      if (closing) throw new Error('the incident service is closed');
      const alert = parseAlert(payload);
      const id = ropts.id ?? newIncidentId();
      if (live.has(id) || (await store.get(id))) throw new Error(`incident ${id} already exists; use resume(id) to continue it`);
      const context = buildIncidentContext(alert, {
        id,
        ...(opts.repository ? { repository: opts.repository } : {}),
        ...(opts.baseBranch ? { baseBranch: opts.baseBranch } : {}),
        ...(opts.services ? { services: opts.services } : {}),
        ...(opts.window ? { window: opts.window } : {}),
      });
      const record = newRecord(id, alert, modelLabel, ropts.approve ?? policy);
      record.status = 'queued';
      if (opened.kind === 'local') record.owner = self;
      record.timeline.push({ at: record.startedAt, kind: 'incident', summary: `incident opened: ${record.title} (${record.severity ?? 'severity to assess'}, policy ${record.approvalPolicy})` });
      await store.create(record, context);
      try {
        const started = await enqueue(record, { incident: context }, ropts);
        changed(id);
        return started;
      } catch (err) {
        // Nothing runs it (a full queue, a closed runner): forget the record rather than leave one that never moves.
        await store.delete(id).catch((e: unknown) => opts.logger?.warn({ err: e, id }, 'could not remove the record of an incident that was not queued'));
        throw err;
      }
    },
    async resume(id: string, ropts: RespondOptions = {}) {
      const existing = live.get(id);
      if (existing) return { id, done: existing.finished.then(async () => (await service.get(id)) as IncidentRecord) };
      const record = await store.get(id);
      const context = await store.context(id);
      if (!record || !context) throw new Error(`no incident ${id} to resume`);
      if (record.endedAt) return { id, done: service.get(id) as Promise<IncidentRecord> };
      if (ropts.approve) record.approvalPolicy = ropts.approve;
      if (opened.kind === 'local') record.owner = self;
      await store.save(record, true);
      const started = await enqueue(record, { incident: context }, ropts);
      changed(id);
      return started;
    },
    recover: () => recoverIncidents({ memory, store, runner, kind: opened.kind, self, resume: (id) => service.resume(id), ...(opts.logger ? { logger: opts.logger } : {}) }),
    async get(id) {
      const record = live.get(id)?.record ?? (await store.get(id));
      return record && withAlertLog(record, await readAlertLog(memory, id));
    },
    async list(): Promise<IncidentSummary[]> {
      const stored = await store.list();
      return stored.map((s) => {
        const l = live.get(s.id)?.record;
        return l ? summaryOf(l) : s;
      });
    },
    pendingApprovals: (id) => broker.pending(id),
    approve: (id, requestId, by, reason) => broker.pending(id).some((r) => r.id === requestId) && broker.approve(requestId, by, reason),
    reject: (id, requestId, by, reason) => broker.pending(id).some((r) => r.id === requestId) && broker.reject(requestId, by, reason),
    async postmortem(id) {
      const r = await service.get(id);
      return r?.endedAt ? renderPostmortem(r) : undefined;
    },
    postmortemPath: (id) => postmortemFile(id),
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async close() {
      if (closing) return;
      closing = true;
      if (opened.kind === 'dbos') {
        // Running incidents get `drainMs` to finish. Then they are interrupted, which parks them (see
        // runIncident) BEFORE DBOS disconnects: an incident still running when DBOS is gone would fail its
        // next checkpoint and end its record as failed, while DBOS keeps its run PENDING.
        const deadline = Date.now() + opened.drainMs;
        while (live.size > 0 && Date.now() < deadline) await sleep(Math.min(100, deadline - Date.now()));
        closer.abort(new Error('the incident service is closing'));
        await Promise.allSettled([...live.values()].map((l) => l.finished));
        const worker = (runner as Runner & { worker?: { stop(o: { drainMs: number }): Promise<void> } }).worker;
        await (worker ? worker.stop({ drainMs: 0 }) : runner.close());
      } else {
        closer.abort(new Error('the incident service is closing'));
        const finishing = [...live.values()].map((l) => l.finished);
        // Cancels what is queued (its records stay queued: recover() picks them up) and waits for what runs.
        await runner.close();
        await Promise.allSettled(finishing);
      }
      await store.flush();
      if (ownsMemory) await memory.close();
    },
  };
  return service;
}

function resultOf(r: IncidentRecord): IncidentRunResult {
  return { id: r.id, status: r.status, resolved: r.outcome?.resolved === true, summary: r.outcome?.summary ?? '' };
}

export { newIncidentId };
