import type { IncidentState } from './state.js';

/** Seconds left of the incident's wall-clock budget (`state.deadline`); Infinity when it has none. */
export function remaining(state: IncidentState, now = Date.now()): number {
  return state.deadline === undefined ? Number.POSITIVE_INFINITY : (Date.parse(state.deadline) - now) / 1000;
}
