import type { Logger } from 'pino';
import type { DrillProgress } from '../drills/phases.js';
import type { DrillScore } from '../drills/types.js';
import type { StepEvent } from '../primitives/types.js';
import type { Approver } from '../workflows/approval-broker.js';
import type { IncidentService } from '../workflows/incident.js';

/**
 * What the MCP server stands on. The server is a face: it owns no workflow, persona or drill logic; it
 * translates MCP requests into calls on these three desks, which the CLI wires to the real incident
 * service, personas and drill runner (see deps.ts), and tests may wire to smaller worlds.
 */

/** A persona as `persona_ask` offers it. */
export interface PersonaInfo {
  name: string;
  description: string;
  /** Its tool allowlist (globs over `server.tool`). */
  tools: readonly string[];
}

export interface PersonaQuestion {
  persona: string;
  question: string;
  /** Ask in the context of this incident: its alert and what the personas concluded so far. */
  incidentId?: string;
}

export interface PersonaAnswer {
  persona: string;
  /** Label of the model that answered, e.g. `claude-sonnet-5-5` or `playbook (no LLM)`. */
  model: string;
  /** The persona's typed final answer (its output schema), redacted. */
  answer: Record<string, unknown>;
  usage: { inputTokens: number; outputTokens: number; toolCalls: number; turns: number };
}

export interface PersonaAskOptions {
  /** Cancels the persona's run (the client's notifications/cancelled). */
  signal: AbortSignal;
  /** Every event of the persona's run: turns, tool calls, approvals. For progress notifications. */
  onEvent?: (event: StepEvent) => void;
  /** Decides risky tool calls (merge, deploy...). Without one they are refused. */
  approver?: Approver;
}

/** Runs one persona at a time on a question. */
export interface PersonaDesk {
  list(): PersonaInfo[];
  /** Throws UnknownPersonaError / IncidentNotFoundError for bad input; persona failures reject with their typed errors. */
  ask(question: PersonaQuestion, opts: PersonaAskOptions): Promise<PersonaAnswer>;
}

/** A drill scenario as `drill_list` shows it (never its expected answer). */
export interface DrillInfo {
  name: string;
  title: string;
  seed?: string;
  target: 'builtin' | 'custom';
}

export interface DrillRunReport {
  scenario: string;
  title: string;
  model: string;
  passed: boolean;
  cancelled: boolean;
  /** Why it did not pass. */
  reason?: string;
  score: DrillScore;
  /** Where the reports were written. */
  reports: { dir: string; json: string; markdown: string; html: string };
}

/** Lists and runs incident drills. */
export interface DrillDesk {
  list(): Promise<DrillInfo[]>;
  /** Throws UnknownScenarioError for a name that is not a scenario; a failed drill is a report, not a throw. */
  run(scenario: string, opts: { signal: AbortSignal; onProgress?: (p: DrillProgress) => void }): Promise<DrillRunReport>;
}

export interface FirebreakMcpDeps {
  incidents: IncidentService;
  personas: PersonaDesk;
  drills: DrillDesk;
  /** Diagnostics; goes to stderr or a file, never stdout (stdout is the stdio protocol). */
  logger?: Logger;
}

export interface FirebreakMcpOptions {
  name?: string;
  version?: string;
  /**
   * Ask the client (elicitation) when an incident this session started waits for approval, if the client
   * supports it. Default true. Without it the incident waits for incident_approve / incident_reject.
   */
  elicitApprovals?: boolean;
  /** Upper bound on one elicitation round-trip; default 15 minutes (the broker's own timeout usually ends it first). */
  elicitationTimeoutMs?: number;
  /** Timeline entries incident_status returns; default 10. */
  statusEvents?: number;
  /** Resource-updated notifications for one incident are coalesced over this window; default 250 ms. */
  notifyCoalesceMs?: number;
}
