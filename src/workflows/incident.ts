import type { Alert, Severity } from './alert.js';
import type { ApprovalDecision, ApprovalPolicy, ApprovalRequest } from './approval-broker.js';

/**
 * The incident record and the service that starts and tracks incidents: the contract shared by the
 * workflow, the `firebreak respond` CLI, the MCP server and the drills.
 */

export type IncidentStatus = 'running' | 'pending-approval' | 'resolved' | 'unresolved' | 'failed' | 'cancelled';

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
  /** Label of the model that ran: e.g. 'claude-sonnet-4-5' or 'playbook (no LLM)'. */
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
