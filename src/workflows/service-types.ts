import type { Logger } from 'pino';
import type { MemoryStore } from '../memory/types.js';
import type { ChatModel } from '../models/types.js';
import type { EventSink } from '../primitives/index.js';
import type { Runner } from '../runners/types.js';
import type { ToolSet } from '../tools/types.js';
import type { ApprovalBroker, ApprovalPolicy } from './approval-broker.js';
import type { IncidentOwner, IncidentRecord, IncidentService, RespondOptions } from './incident.js';
import type { ServiceSettings } from './incident-context.js';
import type { IncidentWorkflowOptions } from './incident-response.js';
import type { IncidentRunnerOptions } from './incident-runner.js';
import type { Notifier } from './notifier.js';

/** The options and handle of `createIncidentService` (service.ts). */

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
