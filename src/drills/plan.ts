import type { Scenario } from './scenario.js';
import { leafPaths } from './settings.js';
import type { DrillPlan } from './types.js';

/**
 * What the runner needs from a scenario: its name and title, the ground truth for scoring (and the config
 * keys the fault changed), the phase limits and the SLO hold times. The one place that knows the scenario
 * schema's field names.
 */
export function planFromScenario(scenario: Scenario): DrillPlan {
  const { limits } = scenario;
  return {
    name: scenario.name,
    title: scenario.title,
    expected: structuredClone(scenario.expected),
    faultSettings: faultSettings(scenario),
    limits: { start: limits.start, warmup: limits.warmup, detect: limits.detect, respond: limits.respond, verify: limits.verify, ...(limits.mitigate !== undefined ? { mitigate: limits.mitigate } : {}) },
    warmupMs: scenario.warmup.durationMs,
    warmupHoldSeconds: scenario.warmup.holdSeconds,
    recoveryHoldSeconds: scenario.slos.holdSeconds,
  };
}

/** The config keys a bad release and its follow-ups change (leaf paths); none for other faults. */
export function faultSettings(scenario: Scenario): string[] {
  const fault = scenario.fault;
  if (fault.kind !== 'bad-release') return [];
  const keys = [fault.config, ...fault.followUps.map((u) => u.config)].flatMap((c) => leafPaths(c));
  return [...new Set(keys)].sort();
}
