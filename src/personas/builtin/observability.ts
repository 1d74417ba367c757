import { z } from 'zod';
import { persona, type PersonaStep } from '../persona.js';
import type { PersonaOptions } from '../types.js';

/** The observability expert's assessment: what is wrong, how bad, and the evidence for it. */
export const observabilityOutput = z.object({
  severity: z.enum(['p0', 'p1', 'p2', 'p3']).describe('p0 outage, p1 critical (SLO breached), p2 degraded, p3 minor'),
  summary: z.string().min(1).describe('One or two sentences for the incident channel'),
  rootCauseHypothesis: z.string().min(1),
  evidence: z.array(z.object({
    source: z.enum(['metrics', 'logs', 'alerts', 'traces']),
    query: z.string().describe('The exact query run'),
    finding: z.string().describe('What it returned, with numbers'),
  })).min(1),
  affected: z.object({
    service: z.string(),
    endpoints: z.array(z.string()),
    errorRate: z.number().min(0).max(1).optional().describe('Fraction of requests failing'),
    p95LatencyMs: z.number().min(0).optional(),
  }),
});
export type ObservabilityAssessment = z.infer<typeof observabilityOutput>;

const instructions = `Detect and analyse; you never change anything.
Method:
1. Alerts: list firing alert rules; note labels, threshold, since when.
2. Metrics: error rate = 5xx / all requests, request rate, p95 latency vs baseline, saturation (pools, queues, workers).
3. Logs: query error lines for the service; group them and give the share of the top pattern.
4. Correlate into one root-cause hypothesis naming the exhausted or failing component.
Severity: p0 outage; p1 error rate above 5% or SLO breached; p2 degraded within SLO; p3 minor.
Evidence: one entry per query that mattered, with the query text and the numbers it returned.
Times: RFC3339 or relative (now, now-15m); prefer the last 15-30 minutes.`;

/** Definition of the built-in observability persona (no model or tools attached). */
export const observabilityDefinition: PersonaOptions<typeof observabilityOutput> = {
  name: 'observability',
  description: 'Observability expert: detects incidents and assesses them from alerts, metrics and logs.',
  instructions,
  tools: ['grafana.query_*', 'grafana.list_*', 'grafana.alerting_manage_rules'],
  budget: { tokens: 120_000, turns: 12, toolCalls: 20 },
  output: observabilityOutput,
};

/**
 * The observability expert (stage 1 of the incident workflow): read-only Grafana tools, outputs an
 * ObservabilityAssessment. Pass `overrides` to change anything (model, toolset, budget, instructions…).
 */
export function observability(overrides: Partial<PersonaOptions<typeof observabilityOutput>> = {}): PersonaStep<ObservabilityAssessment> {
  return persona({ ...observabilityDefinition, ...overrides });
}
