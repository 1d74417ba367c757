import type { ForgeEvent } from '../lab/forge/events.js';
import type { DrillMarker, SideEffects } from './types.js';

/** A deploy or rollback as the lab's deployer recorded it, normalised for the report. */
export interface RolloutEvent {
  /** ISO timestamp of when it finished (or started, if it never finished). */
  at: string;
  /** ISO timestamp of when it started (absent in reports written before it existed). */
  startedAt?: string;
  kind: 'deploy' | 'rollback';
  ok: boolean;
  /** The git ref or revision deployed. */
  ref?: string;
  /** Who asked for it: the lab's setup, the fault injection, or a tool call (the responder). */
  trigger?: 'lab' | 'fault' | 'tool';
}

/** A maintenance switch made through the deploy tools. */
export interface MaintenanceEvent {
  at: string;
  enabled: boolean;
  /** False when it was already in that state. */
  changed: boolean;
}

/** The drill's clock readings, ms since epoch. */
export interface DrillMoments {
  injectedAt?: number;
  alertAt?: number;
  recoveredAt?: number;
  /** Anything before this (the lab's initial deploy of main) is setup, not a side effect of the response. */
  since?: number;
}

const iso = (ms: number): string => new Date(ms).toISOString();

/**
 * The markers of the report chart: the fault, the alert, every PR opened and merged on the forge, every
 * deploy and rollback, maintenance switched on or off, and recovery. Forge events and rollouts before `since` (lab setup) are left out.
 */
export function collectMarkers(m: DrillMoments, forgeEvents: readonly ForgeEvent[], rollouts: readonly RolloutEvent[], maintenance: readonly MaintenanceEvent[] = []): DrillMarker[] {
  const markers: DrillMarker[] = [];
  const after = (at: string): boolean => m.since === undefined || Date.parse(at) >= m.since;
  if (m.injectedAt !== undefined) markers.push({ kind: 'fault', at: iso(m.injectedAt), label: 'fault' });
  if (m.alertAt !== undefined) markers.push({ kind: 'alert', at: iso(m.alertAt), label: 'alert' });
  for (const e of forgeEvents) {
    if (!after(e.at)) continue;
    if (e.type === 'pull_request.opened') markers.push({ kind: 'pr', at: e.at, label: `PR #${e.number}` });
    if (e.type === 'pull_request.merged') markers.push({ kind: 'merge', at: e.at, label: `merge #${e.number}` });
  }
  for (const r of rollouts) {
    if (!after(r.at)) continue;
    const label = `${r.kind}${r.trigger === 'fault' ? ' (fault)' : ''}${r.ok ? '' : ' (failed)'}`;
    markers.push({ kind: r.kind, at: r.at, label });
  }
  for (const s of maintenance) {
    if (after(s.at) && s.changed) markers.push({ kind: 'maintenance', at: s.at, label: `maintenance ${s.enabled ? 'on' : 'off'}` });
  }
  if (m.recoveredAt !== undefined) markers.push({ kind: 'recovery', at: iso(m.recoveredAt), label: 'recovered' });
  return markers.sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
}

/**
 * Counts what the response did to the world, from the forge's and the deployer's own records: forge
 * activity from `since` (the response start) on, rollouts a tool call asked for (by time when the
 * deployer does not say who asked), and maintenance switches from `since` on.
 */
export function countSideEffects(forgeEvents: readonly ForgeEvent[], rollouts: readonly RolloutEvent[], since?: number, maintenance: readonly MaintenanceEvent[] = []): SideEffects {
  const after = (at: string): boolean => since === undefined || Date.parse(at) >= since;
  const events = forgeEvents.filter((e) => after(e.at));
  const outs = rollouts.filter((r) => (r.trigger !== undefined ? r.trigger === 'tool' : after(r.at)));
  return {
    pullRequests: events.filter((e) => e.type === 'pull_request.opened').length,
    merges: events.filter((e) => e.type === 'pull_request.merged').length,
    deploys: outs.filter((r) => r.kind === 'deploy' && r.ok).length,
    failedDeploys: outs.filter((r) => r.kind === 'deploy' && !r.ok).length,
    rollbacks: outs.filter((r) => r.kind === 'rollback').length,
    maintenance: maintenance.filter((s) => after(s.at)).length,
  };
}

/**
 * When the response first changed the running service, ms: the start of a deploy or rollback a tool asked
 * for, or a maintenance switch, from `since` on. Undefined when it changed nothing (merging alone does not
 * change the running service).
 */
export function firstChange(rollouts: readonly RolloutEvent[], maintenance: readonly MaintenanceEvent[], since: number): number | undefined {
  const times = [
    ...rollouts.filter((r) => r.trigger === 'tool').map((r) => Date.parse(r.startedAt ?? r.at)),
    ...maintenance.map((m) => Date.parse(m.at)),
  ].filter((t) => Number.isFinite(t) && t >= since);
  return times.length === 0 ? undefined : Math.min(...times);
}
