import { openMemory } from '../memory/open.js';
import { scoped } from '../memory/scoped.js';
import { sleep, type EventSink } from '../primitives/index.js';
import { RunCancelledError } from '../runners/errors.js';
import type { RunHandle, Runner } from '../runners/types.js';
import type { ToolSet } from '../tools/types.js';
import { parseAlert } from './alert.js';
import { readAlertLog, withAlertLog } from './alert-log.js';
import { ApprovalBroker, type ApprovalPolicy, type ApprovalRequest } from './approval-broker.js';
import { DEFAULT_RISKY, gateTools } from './approval-gate.js';
import type { IncidentOwner, IncidentRecord, IncidentSummary, RespondOptions } from './incident.js';
import { buildIncidentContext } from './incident-context.js';
import { incidentRunStep, postmortemFile, type ExecutionDeps, type IncidentRunResult, type Live, type Waiting } from './incident-execution.js';
import { recoverIncidents } from './incident-recovery.js';
import { incidentResponse, type IncidentInput } from './incident-response.js';
import { currentOwner, INCIDENT_WORKFLOW, incidentPriority, openIncidentRunner } from './incident-runner.js';
import { renderPostmortem } from './postmortem.js';
import { IncidentStore, namespace as namespaceOf, summary as summaryOf } from './incident-store.js';
import { modelLabelOf, newIncidentId, newRecord } from './records.js';
import type { IncidentServiceHandle, IncidentServiceOptions } from './service-types.js';

export type { IncidentHooks, IncidentServiceHandle, IncidentServiceOptions } from './service-types.js';

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
  // Human-only actions (maintenance mode) ask the broker whatever the policy, unless nobody is there to ask.
  const human = opts.approval?.human === false ? {} : { human: broker };
  const gates: Record<ApprovalPolicy, ToolSet> = {
    auto: gateTools(opts.tools, { policy: 'auto', risky, ...human }),
    deny: gateTools(opts.tools, { policy: 'deny', risky, ...human }),
    require: gateTools(opts.tools, { policy: 'require', risky, approver: broker, ...human }),
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
  const placement: ExecutionDeps['placement'] = { kind: opts.runner?.kind ?? 'local' };
  const execute = incidentRunStep({
    memory, store, journal, workflow, live, waiting, closing: closer.signal, placement, changed,
    withdraw: (runId, reason) => broker.withdraw(runId, reason),
    ...(opts.hooks ? { hooks: opts.hooks } : {}), ...(opts.postmortemDir ? { postmortemDir: opts.postmortemDir } : {}), ...(opts.logger ? { logger: opts.logger } : {}),
  });
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
  placement.self = self;

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
      if (closing) throw new Error('the incident service is closed');
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
    approve: async (id, requestId, by, reason) => (await broker.decide(requestId, { approved: true, by, reason }, { runId: id })).status === 'decided',
    reject: async (id, requestId, by, reason) => (await broker.decide(requestId, { approved: false, by, reason }, { runId: id })).status === 'decided',
    async postmortem(id) {
      const r = await service.get(id);
      return r?.endedAt ? renderPostmortem(r) : undefined;
    },
    postmortemPath: (id) => postmortemFile(opts.postmortemDir, id),
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
        // Running incidents park themselves now (or, already ending, end): their runs settle on their own, the
        // journal's record of them included. Cancelling them instead could cut off an incident that had just
        // ended, leaving its journal run failed. Bounded, for a step that ignores the abort.
        const running = await runner.list({ state: 'running', limit: 10_000 });
        await Promise.race([Promise.allSettled(running.map((r) => runner.handle(r.runId).result())), sleep(10_000)]);
        // Cancels what is queued (its records stay queued: recover() picks them up) and what still runs.
        await runner.close();
        await Promise.allSettled(finishing);
      }
      await store.flush();
      if (ownsMemory) await memory.close();
    },
  };
  return service;
}

export { newIncidentId };
