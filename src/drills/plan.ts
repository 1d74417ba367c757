import type { Scenario } from './scenario.js';
import type { DrillPlan } from './types.js';

/**
 * What the runner needs from a scenario: its name and title, the ground truth for scoring, the phase
 * limits and the SLO hold times. The one place that knows the scenario schema's field names.
 */
export function planFromScenario(scenario: Scenario): DrillPlan {
  const { limits } = scenario;
  return {
    name: scenario.name,
    title: scenario.title,
    expected: { category: scenario.expected.category, component: scenario.expected.component },
    limits: { start: limits.start, warmup: limits.warmup, detect: limits.detect, respond: limits.respond, verify: limits.verify, ...(limits.mitigate !== undefined ? { mitigate: limits.mitigate } : {}) },
    warmupMs: scenario.warmup.durationMs,
    warmupHoldSeconds: scenario.warmup.holdSeconds,
    recoveryHoldSeconds: scenario.slos.holdSeconds,
  };
}
