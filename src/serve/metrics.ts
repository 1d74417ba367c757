import { createRequire } from 'node:module';
import type { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { EventSink, StepEvent } from '../primitives/index.js';
import { personaFromPath } from '../workflows/approval-gate.js';
import type { IntakeResult } from '../workflows/alert-intake.js';
import type { IncidentRecord } from '../workflows/incident.js';
import type { IncidentHooks } from '../workflows/service.js';

type PromClient = typeof import('prom-client');
// CommonJS: a synchronous require works from ESM (as in the primitives' prometheusSink).
const prom = (): PromClient => createRequire(import.meta.url)('prom-client') as PromClient;

/** Live figures read at scrape time. */
export interface MetricSources {
  /** Approval requests waiting for a decision. */
  pendingApprovals(): Promise<number>;
  /** The incident queue: waiting and running. */
  queueDepth(): Promise<{ waiting: number; running: number }>;
}

const DURATION_BUCKETS = [5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200];
const DELAY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

/**
 * `firebreak serve`'s Prometheus metrics (prom-client, its own registry):
 * - `firebreak_alerts_received_total{source,status}`, `firebreak_alerts_deduplicated_total{source}`,
 *   `firebreak_alerts_rejected_total{source,reason}` (invalid, too-large, queue-full, error);
 * - `firebreak_incidents_opened_total{severity}`, `_resolved_total{severity}`, `_escalated_total{severity}`
 *   (a human was paged: p0 escalation, unresolved p0/p1, approval timeout), `_ended_total{severity,status}`;
 * - `firebreak_incident_response_duration_seconds{severity,status}` (opened to ended) and
 *   `firebreak_incident_start_delay_seconds` (opened to running: the time in the queue);
 * - `firebreak_tool_calls_total{persona,outcome}`, `firebreak_model_tokens_total{persona,kind}`;
 * - `firebreak_approvals_pending`, `firebreak_incident_queue{state}` (read when scraped).
 * Gotchas: incident figures count the incidents run by THIS process (with the dbos runner, `firebreak worker`
 * processes run some: scrape them too, or read the incidents API). Labels are bounded: severities, statuses,
 * persona names, outcomes — never ids, titles or messages.
 */
export class ServeMetrics {
  readonly registry: Registry;
  readonly #alertsReceived: Counter;
  readonly #alertsDeduplicated: Counter;
  readonly #alertsRejected: Counter;
  readonly #opened: Counter;
  readonly #resolved: Counter;
  readonly #escalated: Counter;
  readonly #ended: Counter;
  readonly #duration: Histogram;
  readonly #startDelay: Histogram;
  readonly #toolCalls: Counter;
  readonly #tokens: Counter;
  /** `runId\0path` of model calls a resumed run replayed: their turns were paid for before. */
  readonly #replayed = new Set<string>();

  constructor(sources: MetricSources) {
    const p = prom();
    const registry = new p.Registry();
    this.registry = registry;
    const counter = (name: string, help: string, labelNames: string[]): Counter => new p.Counter({ name, help, labelNames, registers: [registry] });
    this.#alertsReceived = counter('firebreak_alerts_received_total', 'Alerts received, by source and status (each alert of a webhook counts).', ['source', 'status']);
    this.#alertsDeduplicated = counter('firebreak_alerts_deduplicated_total', 'Firing alerts attached to an incident already open for their fingerprint.', ['source']);
    this.#alertsRejected = counter('firebreak_alerts_rejected_total', 'Notifications refused, by reason (invalid, too-large, queue-full, error).', ['source', 'reason']);
    this.#opened = counter('firebreak_incidents_opened_total', 'Incidents opened by alerts received here.', ['severity']);
    this.#resolved = counter('firebreak_incidents_resolved_total', 'Incidents run here that ended resolved.', ['severity']);
    this.#escalated = counter('firebreak_incidents_escalated_total', 'Incidents run here that paged a human.', ['severity']);
    this.#ended = counter('firebreak_incidents_ended_total', 'Incidents run here that ended, by final status.', ['severity', 'status']);
    this.#duration = new p.Histogram({
      name: 'firebreak_incident_response_duration_seconds', help: 'From incident opened to ended.',
      labelNames: ['severity', 'status'], buckets: DURATION_BUCKETS, registers: [registry],
    });
    this.#startDelay = new p.Histogram({
      name: 'firebreak_incident_start_delay_seconds', help: 'From incident opened (alert accepted) to its workflow running.',
      buckets: DELAY_BUCKETS, registers: [registry],
    });
    this.#toolCalls = counter('firebreak_tool_calls_total', 'Tool calls made by incidents run here, by persona and outcome.', ['persona', 'outcome']);
    this.#tokens = counter('firebreak_model_tokens_total', 'Model tokens used by incidents run here, by persona and kind (input, output, cache_read).', ['persona', 'kind']);
    new p.Gauge({
      name: 'firebreak_approvals_pending', help: 'Approval requests waiting for a decision.', registers: [registry],
      async collect() {
        this.set(await sources.pendingApprovals());
      },
    });
    new p.Gauge({
      name: 'firebreak_incident_queue', help: 'Incidents waiting for a slot and running.', labelNames: ['state'], registers: [registry],
      async collect() {
        const d = await sources.queueDepth();
        this.set({ state: 'waiting' }, d.waiting);
        this.set({ state: 'running' }, d.running);
      },
    });
  }

  /** Counts what one notification did. */
  intake(source: string, received: readonly { status: string }[], result: IntakeResult): void {
    for (const a of received) this.#alertsReceived.inc({ source, status: a.status });
    const deduplicated = result.deduplicated.reduce((n, d) => n + d.fingerprints.length, 0);
    if (deduplicated > 0) this.#alertsDeduplicated.inc({ source }, deduplicated);
  }

  opened(severity: string | undefined): void {
    this.#opened.inc({ severity: severity ?? 'unknown' });
  }

  rejected(source: string, reason: 'invalid' | 'too-large' | 'queue-full' | 'error'): void {
    this.#alertsRejected.inc({ source, reason });
  }

  /** Hooks for the incident service: incident lifecycle and the event stream of every run. */
  hooks(): IncidentHooks {
    const sink: EventSink = { lifecycle: true, handle: (e) => this.#event(e) };
    return {
      started: (_record, { resumed, waitedMs }) => {
        if (!resumed) this.#startDelay.observe(waitedMs / 1000);
      },
      ended: (record) => this.#endedIncident(record),
      sink,
    };
  }

  #endedIncident(r: IncidentRecord): void {
    const severity = r.severity ?? 'unknown';
    this.#ended.inc({ severity, status: r.status });
    if (r.status === 'resolved') this.#resolved.inc({ severity });
    if (r.timeline.some((e) => e.kind === 'notification' && e.data?.target === 'page' && e.data?.ok === true)) this.#escalated.inc({ severity });
    if (r.endedAt) this.#duration.observe({ severity, status: r.status }, (Date.parse(r.endedAt) - Date.parse(r.startedAt)) / 1000);
  }

  #event(e: StepEvent): void {
    if (e.type === 'end' && e.replayed && e.path.endsWith('/model')) {
      this.#replayed.add(`${e.runId}\0${e.path.slice(0, -'/model'.length)}`);
      return;
    }
    if (e.type !== 'custom') return;
    const persona = personaFromPath(e.path) ?? 'workflow';
    if (e.name === 'tool.call') this.#toolCalls.inc({ persona, outcome: String(e.data.outcome ?? 'unknown') });
    else if (e.name === 'persona.turn') {
      if (this.#replayed.delete(`${e.runId}\0${e.path}`)) return;
      const u = (e.data.usage ?? {}) as { inputTokens?: number; outputTokens?: number; cacheReadTokens?: number; cacheWriteTokens?: number };
      const name = typeof e.data.persona === 'string' ? e.data.persona : persona;
      const input = (u.inputTokens ?? 0) + (u.cacheWriteTokens ?? 0);
      if (input > 0) this.#tokens.inc({ persona: name, kind: 'input' }, input);
      if (u.outputTokens) this.#tokens.inc({ persona: name, kind: 'output' }, u.outputTokens);
      if (u.cacheReadTokens) this.#tokens.inc({ persona: name, kind: 'cache_read' }, u.cacheReadTokens);
    }
  }
}
