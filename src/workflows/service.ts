import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { openMemory } from '../memory/open.js';
import { scoped } from '../memory/scoped.js';
import type { MemoryStore } from '../memory/types.js';
import type { ChatModel } from '../models/types.js';
import { childController } from '../primitives/abort.js';
import { run } from '../primitives/run.js';
import type { ToolSet } from '../tools/types.js';
import { parseAlert } from './alert.js';
import { ApprovalBroker, type ApprovalPolicy, type ApprovalRequest } from './approval-broker.js';
import { DEFAULT_RISKY, gateTools } from './approval-gate.js';
import type { IncidentRecord, IncidentService, IncidentSummary, RespondOptions, TimelineEntry } from './incident.js';
import { buildIncidentContext, type IncidentContext, type ServiceSettings } from './incident-context.js';
import { incidentResponse, type IncidentWorkflowOptions } from './incident-response.js';
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
  /**
   * policy: auto | require | deny; timeoutMs: how long a request waits; risky: tools needing approval;
   * human: false when no human can be asked (drills, CI): human-only actions are then refused at once.
   */
  approval?: { policy?: ApprovalPolicy; timeoutMs?: number; risky?: readonly string[]; human?: boolean };
  notifier?: Notifier;
  /** Incident context: default repository (`owner/name`), base branch, per-service settings, window override. */
  repository?: string;
  baseBranch?: string;
  services?: Readonly<Record<string, ServiceSettings>>;
  window?: string;
  /** Workflow options: persona overrides, verification, deploy retries, ticket, default severity. */
  workflow?: Omit<IncidentWorkflowOptions, 'tools' | 'model' | 'notifier'>;
  /** Also write `<dir>/<id>/postmortem.md` when an incident ends. */
  postmortemDir?: string;
  logger?: Logger;
}

/** The service plus what the CLI and tests need beyond the shared contract. */
export interface IncidentServiceHandle extends IncidentService {
  /** Continues an incident that was running when its process died, from its journal: finished steps are not repeated. */
  resume(id: string, opts?: RespondOptions): Promise<{ id: string; done: Promise<IncidentRecord> }>;
  readonly broker: ApprovalBroker;
  /** Where the post-mortem of an ended incident was written, if postmortemDir is set. */
  postmortemPath(id: string): string | undefined;
}

interface Live {
  record: IncidentRecord;
  controller: AbortController;
  done: Promise<IncidentRecord>;
  recorder: IncidentRecorder;
  onProgress?: RespondOptions['onProgress'];
}

/**
 * Creates the service that starts incidents in the background and tracks them: records, pending approvals,
 * change notifications and post-mortems. Used by `firebreak respond`, the MCP server and drills.
 *
 * When to use: once per process, with the tool host and model(s) of that process.
 * What it does: `respond(alert)` validates the alert, opens the incident's record in memory, and runs the
 * workflow in the background with the incident's memory namespace, the run journal and an approval gate
 * (policy auto | require | deny; `require` waits on the broker, whose timeout escalates through the notifier).
 * Gotchas: `close()` stops running incidents without marking them ended (resume them later); it closes the
 * memory store only if the service opened it. The tool host is the caller's to close.
 */
export async function createIncidentService(opts: IncidentServiceOptions): Promise<IncidentServiceHandle> {
  const ownsMemory = opts.memory === undefined;
  const memory = opts.memory ?? (await openMemory('memory:'));
  const store = new IncidentStore(memory, opts.logger);
  const live = new Map<string, Live>();
  const listeners = new Set<(id: string) => void>();
  const closer = new AbortController();
  const policy = opts.approval?.policy ?? 'require';
  const modelLabel = opts.modelLabel ?? modelLabelOf(opts.model);
  // Requests and decisions live in the memory store: `firebreak approve`, an MCP server or the HTTP API in
  // another process sharing it can decide what an incident here waits for.
  const broker = new ApprovalBroker({
    store: memory,
    ...(opts.approval?.timeoutMs !== undefined ? { timeoutMs: opts.approval.timeoutMs } : {}),
    onEscalate: (req) => escalateTimeout(req),
    ...(opts.logger ? { logger: opts.logger } : {}),
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

  broker.on('requested', (req: ApprovalRequest) => {
    const l = live.get(req.runId);
    l?.recorder.approvalRequested(req);
  });
  broker.on('decided', (req: ApprovalRequest, decision) => {
    live.get(req.runId)?.recorder.approvalDecided(req, decision);
  });

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

  function start(record: IncidentRecord, context: IncidentContext, ropts: RespondOptions, resumed: boolean): Live {
    const { controller, dispose } = childController(closer.signal);
    const onCallerAbort = (): void => controller.abort(ropts.signal?.reason);
    ropts.signal?.addEventListener('abort', onCallerAbort, { once: true });
    const incidentPolicy = ropts.approve ?? record.approvalPolicy;
    const entry: Live = {
      record,
      controller,
      done: undefined as unknown as Promise<IncidentRecord>,
      recorder: new IncidentRecorder(record, (e) => progress(entry, e), journal ? async (path) => (await journal.lookup(record.id, path))?.output : undefined),
      ...(ropts.onProgress ? { onProgress: ropts.onProgress } : {}),
    };
    live.set(record.id, entry);
    const tools = gateTools(opts.tools, {
      policy: incidentPolicy,
      risky: opts.approval?.risky ?? DEFAULT_RISKY,
      ...(incidentPolicy === 'require' ? { approver: broker } : {}),
      // Human-only actions (maintenance mode) ask the broker whatever the policy, unless nobody is there to ask.
      ...(opts.approval?.human === false ? {} : { human: broker }),
    });
    const workflow = incidentResponse({ ...(opts.workflow ?? {}), tools, model: opts.model, ...(opts.notifier ? { notifier: opts.notifier } : {}) });
    if (resumed) entry.recorder.note('resumed', `resumed from the journal (status was ${record.status})`);
    else entry.recorder.note('incident', `incident opened: ${record.title} (${record.severity ?? 'severity to assess'}, policy ${incidentPolicy})`);
    record.status = 'running';
    entry.done = run(workflow, { incident: context }, {
      runId: record.id,
      signal: controller.signal,
      memory: scoped(memory, namespaceOf(record.id)),
      sinks: [entry.recorder.sink],
      ...(journal ? { journal } : {}),
      ...(opts.logger ? { logger: opts.logger } : {}),
    }).then(
      (outcome) => finish(entry, outcome, undefined),
      (err: unknown) => finish(entry, undefined, err),
    ).finally(() => {
      ropts.signal?.removeEventListener('abort', onCallerAbort);
      dispose();
    });
    return entry;
  }

  function progress(entry: Live, e: TimelineEntry | undefined): void {
    store.save(entry.record);
    if (e && entry.onProgress) {
      try {
        entry.onProgress(e, entry.record);
      } catch (err) {
        opts.logger?.warn({ err }, 'onProgress listener failed');
      }
    }
    changed(entry.record.id);
  }

  async function finish(entry: Live, outcome: IncidentOutcome | undefined, err: unknown): Promise<IncidentRecord> {
    const r = entry.record;
    if (outcome) {
      for (const [name, value] of Object.entries({ observability: outcome.state.assessment, backend: outcome.state.fix, devops: outcome.state.devops })) {
        if (value !== undefined) r.outputs[name] = value;
      }
      if (outcome.state.severity) r.severity = outcome.state.severity;
      r.outcome = { resolved: outcome.resolved, summary: outcome.summary, ...(outcome.error ? { error: outcome.error } : {}) };
      r.status = outcome.resolved ? 'resolved' : 'unresolved';
      r.endedAt = new Date().toISOString();
    } else if (closer.signal.aborted) {
      // The process is shutting down: leave the incident running so that resume(id) continues it.
      entry.recorder.note('interrupted', 'the service closed while the incident was running; resume it to continue');
    } else {
      const cancelled = entry.controller.signal.aborted;
      r.status = cancelled ? 'cancelled' : 'failed';
      r.outcome = { resolved: false, summary: cancelled ? 'The response was cancelled.' : 'The workflow failed.', error: err instanceof Error ? err.message : String(err) };
      r.endedAt = new Date().toISOString();
    }
    if (r.endedAt) entry.recorder.note('end', `incident ${r.status}: ${r.outcome?.summary ?? ''}`);
    // An ended incident waits for nothing: requests it left open (a cancelled wait) are withdrawn. An
    // interrupted one keeps them, for the resumed run to re-attach to.
    if (r.endedAt) await broker.withdraw(r.id, `the incident ended (${r.status})`).catch((err: unknown) => opts.logger?.warn({ err, id: r.id }, 'could not withdraw open approval requests'));
    await store.save(r, true);
    if (r.endedAt && opts.postmortemDir) {
      const file = postmortemFile(r.id);
      try {
        await mkdir(join(opts.postmortemDir, r.id), { recursive: true });
        await writeFile(file!, renderPostmortem(r));
      } catch (writeErr) {
        opts.logger?.warn({ err: writeErr, file }, 'could not write the post-mortem');
      }
    }
    live.delete(r.id);
    changed(r.id);
    return r;
  }

  const postmortemFile = (id: string): string | undefined => (opts.postmortemDir ? join(opts.postmortemDir, id, 'postmortem.md') : undefined);

  return {
    broker,
    async respond(payload: unknown, ropts: RespondOptions = {}) {
      if (closer.signal.aborted) throw new Error('the incident service is closed');
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
      await store.create(record, context);
      const entry = start(record, context, ropts, false);
      changed(id);
      return { id, done: entry.done };
    },
    async resume(id: string, ropts: RespondOptions = {}) {
      const existing = live.get(id);
      if (existing) return { id, done: existing.done };
      const record = await store.get(id);
      const context = await store.context(id);
      if (!record || !context) throw new Error(`no incident ${id} to resume`);
      if (record.endedAt) return { id, done: Promise.resolve(record) };
      const entry = start(record, context, ropts, true);
      changed(id);
      return { id, done: entry.done };
    },
    async get(id) {
      return live.get(id)?.record ?? (await store.get(id));
    },
    async list(): Promise<IncidentSummary[]> {
      const stored = await store.list();
      return stored.map((s) => {
        const l = live.get(s.id)?.record;
        return l ? summaryOf(l) : s;
      });
    },
    pendingApprovals: (id) => broker.pending(id),
    approve: async (id, requestId, by, reason) => (await broker.decide(requestId, { approved: true, by, reason }, { runId: id })).status === 'decided',
    reject: async (id, requestId, by, reason) => (await broker.decide(requestId, { approved: false, by, reason }, { runId: id })).status === 'decided',
    async postmortem(id) {
      const r = live.get(id)?.record ?? (await store.get(id));
      return r?.endedAt ? renderPostmortem(r) : undefined;
    },
    postmortemPath: (id) => postmortemFile(id),
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async close() {
      closer.abort(new Error('the incident service is closing'));
      await Promise.allSettled([...live.values()].map((l) => l.done));
      await store.flush();
      if (ownsMemory) await memory.close();
    },
  };
}

export { newIncidentId };
