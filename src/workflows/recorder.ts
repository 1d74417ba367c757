import type { EventSink } from '../primitives/sink.js';
import type { StepEvent } from '../primitives/types.js';
import type { ApprovalDecision, ApprovalRequest } from './approval-broker.js';
import { actionsOfOutput } from './actions.js';
import { VERIFICATION_PATH } from './budget.js';
import { describeConfigChanges, type ConfigChange } from './changes.js';
import type { IncidentRecord, TimelineEntry } from './incident.js';

/** Replayed steps whose outputs can attest side effects: tool calls, personas, workflow steps and stages. */
const REPLAY_KINDS = new Set(['tool', 'persona', 'step', 'stage']);

/**
 * Builds the incident record from the run's one event stream: stages, persona turns and usage, tool calls,
 * refusals, approvals, actions, retries, circuit-breaker transitions, verification polls and the outcome.
 * Nothing here is written by hand per step: the runner, the tool host and the workflow emit events, and this
 * sink turns them into timeline entries with timestamps and stage/persona attribution (by path prefix).
 */
export class IncidentRecorder {
  readonly #stages = new Map<string, string>();
  readonly #personas = new Map<string, string>();
  /** Paths of steps a resumed run replayed from the journal: their turns are not counted twice. */
  readonly #replayed = new Set<string>();
  #synthetic = 0;

  constructor(
    readonly record: IncidentRecord,
    private readonly onChange: (entry: TimelineEntry | undefined) => void,
    /**
     * Reads a step's recorded output from the run journal. On resume, a tool call replayed from the journal
     * emits no events; its side effect may still be missing from the record (the process died before saving
     * it), so the recorder re-derives the action from the recorded result.
     */
    private readonly journalOutput?: (path: string) => Promise<unknown>,
  ) {}

  /**
   * The EventSink to pass to run(). Lifecycle events are needed for one thing: an 'end' marked `replayed`
   * tells that a model call came from the journal, so a resumed run does not count its tokens again.
   */
  readonly sink: EventSink = { lifecycle: true, handle: (event) => this.handle(event) };

  handle(event: StepEvent): void {
    if (event.type === 'end') {
      if (event.replayed) {
        this.#replayed.add(event.path);
        void this.#replayedActions(event);
      }
    } else if (event.type === 'retry') {
      this.#add(event, 'retry', `retrying ${event.step} in ${Math.round(event.delayMs)} ms after attempt ${event.attempt} failed: ${errorText(event.error)}`, { attempt: event.attempt, delayMs: event.delayMs });
    } else if (event.type === 'breaker') {
      this.#add(event, 'breaker', `circuit breaker '${event.breaker}' ${event.from} -> ${event.to}`, { breaker: event.breaker, from: event.from, to: event.to });
    } else if (event.type === 'error' && event.kind === 'persona') {
      this.#add(event, 'error', `${event.step} failed: ${errorText(event.error)}`);
    } else if (event.type === 'custom') {
      this.#custom(event);
    }
  }

  /**
   * A request reached the approval broker (policy require): the incident waits for a decision. A resumed
   * incident re-attaches to the request it made before (same id): it is not recorded twice.
   */
  approvalRequested(request: ApprovalRequest): void {
    const again = this.record.approvals.some((a) => a.request.id === request.id);
    if (!again) this.record.approvals.push({ request });
    this.record.status = 'pending-approval';
    const summary = again ? `still waiting for approval of ${request.action} (the request made before the restart)` : `approval requested for ${request.action}`;
    this.#entry({ at: again ? new Date().toISOString() : request.requestedAt, kind: 'approval.requested', summary, ...(request.persona ? { persona: request.persona } : {}), data: { id: request.id, action: request.action } });
  }

  /** Marks a request decided (the broker's 'decided' event). */
  approvalDecided(request: ApprovalRequest, decision: ApprovalDecision): void {
    const found = this.record.approvals.find((a) => a.request.id === request.id);
    if (found) found.decision = decision;
    else this.record.approvals.push({ request, decision });
    if (!this.record.approvals.some((a) => a.decision === undefined) && this.record.status === 'pending-approval') this.record.status = 'running';
    this.onChange(undefined);
  }

  /** Adds an entry that did not come from an event (incident start, resume, end). */
  note(kind: string, summary: string, data?: Record<string, unknown>): void {
    this.#entry({ at: new Date().toISOString(), kind, summary, ...(data ? { data } : {}) });
  }

  #custom(event: Extract<StepEvent, { type: 'custom' }>): void {
    const d = event.data;
    const r = this.record;
    switch (event.name) {
      case 'stage': {
        const label = String(d.stage);
        if (d.status === 'start') {
          this.#stages.set(event.path, label);
          r.stage = label;
        }
        const verb = d.status === 'start' ? 'started' : d.status === 'failed' ? `failed: ${String(d.error)}` : 'finished';
        this.#add(event, 'stage', `${label} stage ${verb}`, d);
        return;
      }
      case 'persona.start':
        this.#personas.set(event.path, String(d.persona));
        r.persona = String(d.persona);
        this.#add(event, 'persona.start', `${String(d.persona)} started (model ${String(d.model)}, ${Array.isArray(d.tools) ? d.tools.length : 0} tools)`);
        return;
      case 'persona.turn': {
        if (this.#replayed.has(`${event.path}/model`)) return;
        const u = (d.usage ?? {}) as { inputTokens?: number; outputTokens?: number; cacheReadTokens?: number; cacheWriteTokens?: number };
        r.usage.turns++;
        r.usage.inputTokens += (u.inputTokens ?? 0) + (u.cacheWriteTokens ?? 0);
        r.usage.outputTokens += u.outputTokens ?? 0;
        r.usage.cacheReadTokens += u.cacheReadTokens ?? 0;
        const calls = Array.isArray(d.calls) ? (d.calls as string[]) : [];
        this.#add(event, 'persona.turn', `turn ${String(d.turn)}: ${calls.length > 0 ? `calls ${summarizeCalls(calls)}` : String(d.stopReason)}`, { turn: d.turn, usage: d.usage });
        return;
      }
      case 'persona.result':
        this.#add(event, 'persona.result', `${String(d.persona)} answered (${String(d.label)})`);
        return;
      case 'tool.call': {
        r.usage.toolCalls++;
        // Verification polls are summarised by their 'verify.poll' entries.
        if (VERIFICATION_PATH.test(event.path)) { this.onChange(undefined); return; }
        this.#add(event, 'tool.call', `${String(d.server)}.${String(d.tool)} ${String(d.outcome)} (${Math.round(Number(d.durationMs ?? 0))} ms)`, { outcome: d.outcome });
        return;
      }
      case 'tool.refused':
        this.#add(event, 'tool.refused', `refused ${String(d.tool)} for ${String(d.persona)}: ${String(d.reason)}`, { tool: d.tool, reason: d.reason, ...(d.guard ? { guard: d.guard } : {}) });
        return;
      case 'changes':
        if (d.report !== undefined) r.outputs.changes = d.report;
        this.#add(event, 'changes', String(d.summary), withoutReport(d));
        return;
      case 'slo.status':
        this.#add(event, 'slo.status', `SLOs when the response began: ${d.healthy ? 'holding' : 'breached'} (${(d.checks as { name: string; value: number | null; ok: boolean }[]).map((c) => `${c.name}=${c.value === null ? 'no data' : Number(c.value.toPrecision(3))}${c.ok ? '' : '!'}`).join(', ')})`, d);
        return;
      case 'fix.checked':
        this.#add(event, 'fix.checked', `fix checked before its pull request: ${describeConfigChanges(d.changes as ConfigChange[])} (implicated: ${(d.implicated as string[]).join(', ')})`, d);
        return;
      case 'escalation':
        this.#add(event, 'escalation', `escalation: ${String(d.detail ?? d.reason)}`, d);
        return;
      case 'budget':
        this.#add(event, 'budget', `budget spent: ${String(d.detail)}`, d);
        return;
      case 'approval': this.#approval(event); return;
      case 'action': {
        // A keyed write repeated after a crash answers with what it did the first time: one action, not two.
        if (r.actions.some((a) => a.kind === d.kind && a.ref === String(d.ref ?? '') && a.data?.ok === d.ok)) {
          this.onChange(undefined);
          return;
        }
        r.actions.push({ kind: String(d.kind), ref: String(d.ref ?? ''), at: iso(event.at), data: d });
        this.#add(event, 'action', `${String(d.kind)} ${String(d.ref ?? '')}${d.ok === false ? ' (failed)' : ''}${d.recovered ? ' (recovered from the journal)' : ''}`, d);
        return;
      }
      case 'finding':
        if (d.output !== undefined) r.outputs[String(d.persona)] = d.output;
        this.#add(event, 'finding', `${String(d.persona)}: ${String(d.summary)}`, withoutOutput(d), String(d.persona));
        return;
      case 'severity':
        r.severity = d.severity as IncidentRecord['severity'];
        this.#add(event, 'severity', `severity assessed as ${String(d.severity)}`);
        return;
      case 'route':
        this.#add(event, 'route', `routed as ${String(d.severity)} (${String(d.source)})`);
        return;
      case 'devops.outcome':
        if (d.report !== undefined) r.outputs.devops = d.report;
        this.#add(event, 'devops', String(d.summary), { outcome: d.outcome });
        return;
      case 'verify.start':
        this.#add(event, 'verify.start', `verifying the ${String(d.target)}: checks must hold ${String(d.holdSeconds)} s within ${String(d.deadlineSeconds)} s`, { checks: d.checks });
        return;
      case 'verify.poll': {
        const checks = (d.checks as { name: string; value: number | null; ok: boolean }[]).map((c) => `${c.name}=${c.value === null ? 'no data' : Number(c.value.toPrecision(3))}${c.ok ? '' : '!'}`);
        this.#add(event, 'verify.poll', `poll ${String(d.poll)}: ${checks.join(', ')}${d.ok ? ` (held ${Number(d.heldSeconds).toFixed(0)} s)` : ''}`, d);
        return;
      }
      case 'verify.end':
        this.#add(event, 'verify.end', `the ${String(d.target)} ${d.healthy ? `verified: checks held ${Number(d.heldSeconds).toFixed(0)} s` : 'did NOT verify before the deadline'}`, d);
        return;
      case 'notification':
        this.#add(event, 'notification', `${String(d.target)} ${d.ok ? 'notified' : 'NOT notified'} via ${String(d.via)} (${String(d.reason)})`, d);
        return;
      case 'outcome':
        this.#add(event, 'outcome', String(d.summary), d);
        return;
      default:
        return;
    }
  }

  async #replayedActions(event: Extract<StepEvent, { type: 'end' }>): Promise<void> {
    if (!this.journalOutput || !REPLAY_KINDS.has(event.kind)) return;
    const output = await this.journalOutput(event.path).catch(() => undefined);
    for (const action of actionsOfOutput(event.path, output)) {
      this.#custom({ type: 'custom', runId: event.runId, path: event.path, at: event.at, name: 'action', data: { ...action, recovered: true } });
    }
  }

  #approval(event: Extract<StepEvent, { type: 'custom' }>): void {
    const d = event.data;
    const decision: ApprovalDecision = { approved: d.approved === true, by: String(d.by), at: iso(event.at), ...(d.reason ? { reason: String(d.reason) } : {}) };
    const persona = typeof d.persona === 'string' ? d.persona : this.#personaOf(event.path);
    if (typeof d.id === 'string') {
      const found = this.record.approvals.find((a) => a.request.id === d.id);
      if (found) found.decision ??= decision;
    } else {
      // Policies auto and deny decide at once, without the broker: record the request they decided.
      const request: ApprovalRequest = {
        id: `${String(d.by)}-${++this.#synthetic}`, runId: this.record.id, action: String(d.action),
        args: (d.args ?? {}) as Record<string, unknown>, requestedAt: iso(event.at), ...(persona ? { persona } : {}),
      };
      this.record.approvals.push({ request, decision });
    }
    this.#add(event, 'approval', `${String(d.action)} ${decision.approved ? 'approved' : 'rejected'} by ${decision.by}${decision.reason ? `: ${decision.reason}` : ''}`, { action: d.action, approved: decision.approved, by: decision.by });
  }

  #add(event: { path: string; at: number }, kind: string, summary: string, data?: Record<string, unknown>, personaName?: string): void {
    const stage = longestPrefix(this.#stages, event.path);
    const persona = personaName ?? this.#personaOf(event.path);
    this.#entry({ at: iso(event.at), kind, summary, ...(stage ? { stage } : {}), ...(persona ? { persona } : {}), ...(data ? { data } : {}) });
  }

  #personaOf(path: string): string | undefined {
    return longestPrefix(this.#personas, path);
  }

  #entry(entry: TimelineEntry): void {
    this.record.timeline.push(entry);
    this.onChange(entry);
  }
}

function longestPrefix(map: Map<string, string>, path: string): string | undefined {
  let best: string | undefined;
  let bestLen = -1;
  for (const [prefix, value] of map) {
    if ((path === prefix || path.startsWith(prefix + '/')) && prefix.length > bestLen) {
      best = value;
      bestLen = prefix.length;
    }
  }
  return best;
}

function summarizeCalls(calls: string[]): string {
  const counts = new Map<string, number>();
  for (const c of calls) counts.set(c, (counts.get(c) ?? 0) + 1);
  return [...counts].map(([c, n]) => (n > 1 ? `${c} x${n}` : c)).join(', ');
}

function withoutReport(d: Record<string, unknown>): Record<string, unknown> {
  const { report: _report, ...rest } = d;
  return rest;
}

function withoutOutput(d: Record<string, unknown>): Record<string, unknown> {
  const { output: _output, ...rest } = d;
  return rest;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function errorText(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}
