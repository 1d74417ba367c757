import type { PersonaInput } from '../personas/types.js';
import type { Severity } from './alert.js';
import type { IncidentContext } from './incident-context.js';
import type { Assessment, DevopsStageReport, Fix } from './outputs.js';

/**
 * What flows from stage to stage of the incident workflow. Every stage takes the state and returns it with
 * its own part filled in; it is JSON, so each stage's output is journaled and a resumed run continues from
 * the first stage that had not finished.
 */

export type OutcomeKind = 'resolved' | 'no-action' | 'fix-proposed' | 'ticketed' | 'mitigated' | 'unresolved';

export interface NotificationRecord {
  target: 'channel' | 'page';
  ok: boolean;
  via: string;
  detail: string;
}

export interface IncidentState {
  incident: IncidentContext;
  /** The severity that routed the incident, and where it came from. */
  severity?: Severity;
  severitySource?: 'alert' | 'assessment' | 'default';
  assessment?: Assessment;
  fix?: Fix;
  devops?: DevopsStageReport;
  ticket?: { number: number; url: string };
  notifications?: NotificationRecord[];
  /** A stage that could not do its part (persona escalated, tool refused, no repository, ...). */
  failure?: { stage: string; error: string };
  /** When the incident's wall-clock budget runs out (ISO): later stages are skipped and it escalates. */
  deadline?: string;
}

/** The workflow's result: the final state plus a verdict. */
export interface IncidentOutcome {
  state: IncidentState;
  /** The route's goal was met: recovery verified (p0/p1), a fix PR opened (p2), a ticket filed (p3). */
  resolved: boolean;
  kind: OutcomeKind;
  summary: string;
  error?: string;
}

/** The structured outputs of the personas that have run, by persona name (PersonaInput.previous). */
export function previousOutputs(state: IncidentState): Record<string, unknown> {
  const previous: Record<string, unknown> = {};
  if (state.assessment) previous.observability = state.assessment;
  if (state.fix) previous.backend = state.fix;
  return previous;
}

/** The PersonaInput for a persona at this point of the incident, with an optional explicit task. */
export function personaInput(state: IncidentState, task?: string, extra?: Record<string, unknown>): PersonaInput {
  const input: PersonaInput = { incident: { ...state.incident }, previous: { ...previousOutputs(state), ...(extra ?? {}) } };
  if (task !== undefined) input.task = task;
  return input;
}
