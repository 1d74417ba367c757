import type { Alert, Severity } from './alert.js';
import type { ApprovalDecision, ApprovalPolicy, ApprovalRequest } from './approval-broker.js';

/**
 * The incident record and the service that starts and tracks incidents: the contract shared by the
 * workflow, the `firebreak respond` CLI, the MCP server and the drills.
 */

/** `queued`: accepted, waiting for a free slot of the runner (bounded concurrency, p0 first). */
export type IncidentStatus = 'queued' | 'running' | 'pending-approval' | 'resolved' | 'unresolved' | 'failed' | 'cancelled';

/** Which process runs (or ran) an incident: how a restarted `firebreak serve` tells a dead owner from a live one. */
export interface IncidentOwner {
  /** Random per process: two processes never share one, even with a reused pid. */
  instance: string;
  host: string;
  pid: number;
  runner: 'local' | 'dbos';
  /** The DBOS executor id, for the dbos runner. */
  executor?: string;
}

/**
 * One alert (by fingerprint) as the alert source reported it for an incident: the alert that opened it, and
 * every alert deduplicated into it. Built on read from the incident's alert log (alert-log.ts), which any
 * process may append to, so a repeat received by another `firebreak serve` shows here too.
 */
export interface IncidentAlertState {
  fingerprint: string;
  title: string;
  /** The latest status the source sent: `resolved` means the source saw the alert recover. */
  status: 'firing' | 'resolved';
  /** True for the alert(s) whose notification opened the incident. */
  opened: boolean;
  firstSeenAt: string;
  lastSeenAt: string;
  resolvedAt?: string;
  /** Notifications received for it (the first, repeats, the resolution). */
  notifications: number;
}

export interface TimelineEntry {
  /** ISO timestamp. */
  at: string;
  /** e.g. 'stage', 'persona.turn', 'tool.call', 'approval', 'finding', 'outcome'. */
  kind: string;
  stage?: string;
  persona?: string;
  summary: string;
  data?: Record<string, unknown>;
}

export interface IncidentUsage {
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  toolCalls: number;
  turns: number;
}

export interface IncidentRecord {
  id: string;
  title: string;
  severity: Severity | undefined;
  status: IncidentStatus;
  alert: Alert;
  /** The stage running now (observability, backend, devops, escalation, ticket) or the last one. */
  stage?: string;
  persona?: string;
  /** Label of the model that ran: e.g. 'claude-sonnet-5-5' or 'playbook (no LLM)'. */
  model: string;
  approvalPolicy: ApprovalPolicy;
  startedAt: string;
  endedAt?: string;
  timeline: TimelineEntry[];
  /** Each persona's structured output, by persona name. */
  outputs: Record<string, unknown>;
  approvals: { request: ApprovalRequest; decision?: ApprovalDecision }[];
  usage: IncidentUsage;
  /** Side effects, as reported by tools: pull requests, deploys, rollbacks, tickets. */
  actions: { kind: string; ref: string; at: string; data?: Record<string, unknown> }[];
  outcome?: { resolved: boolean; summary: string; error?: string };
  /** The process that runs it (set when it is queued or started; see IncidentOwner). */
  owner?: IncidentOwner;
  /** The alerts behind the incident and their firing/resolved state (read views only; see IncidentAlertState). */
  alerts?: IncidentAlertState[];
  /** When the alert source reported every one of the incident's alerts resolved (read views only). */
  sourceResolvedAt?: string;
}

export type IncidentSummary = Pick<IncidentRecord, 'id' | 'title' | 'severity' | 'status' | 'stage' | 'startedAt' | 'endedAt'>;

export interface RespondOptions {
  /** The incident id; default a fresh `inc-<date>-<time>-<hex>` (drills and tests pass their own). */
  id?: string;
  approve?: ApprovalPolicy;
  signal?: AbortSignal;
  /** Called on every timeline entry, for live progress (CLI TTY, MCP progress notifications). */
  onProgress?: (entry: TimelineEntry, record: IncidentRecord) => void;
}

/** Starts incidents in the background and answers questions about them. */
export interface IncidentService {
  /** Validates the alert (throws InvalidAlertError naming the field), starts the workflow, returns at once. */
  respond(alert: unknown, opts?: RespondOptions): Promise<{ id: string; done: Promise<IncidentRecord> }>;
  get(id: string): Promise<IncidentRecord | undefined>;
  list(): Promise<IncidentSummary[]>;
  /**
   * Pending approvals across incidents (or one incident), oldest first. Read from the memory store: requests
   * of incidents running in other processes that share it are included.
   */
  pendingApprovals(id?: string): Promise<ApprovalRequest[]>;
  /**
   * Approves a pending request of incident `id`, from this process or any other sharing the memory store;
   * the waiting workflow sees it within a second. False when it is not pending (unknown, already decided,
   * timed out): `broker.decide()` on the service handle says which.
   */
  approve(id: string, requestId: string, by: string, reason?: string): Promise<boolean>;
  /** Rejects a pending request; the workflow sees the refusal and the reason. False when it is not pending. */
  reject(id: string, requestId: string, by: string, reason?: string): Promise<boolean>;
  /** Markdown post-mortem, once the incident has ended. */
  postmortem(id: string): Promise<string | undefined>;
  /** Subscribe to changes of any incident; returns an unsubscribe function. */
  onChange(listener: (id: string) => void): () => void;
  close(): Promise<void>;
}
