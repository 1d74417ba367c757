import { z } from 'zod';
import { persona, type PersonaStep } from '../persona.js';
import type { PersonaOptions } from '../types.js';

/** The devops engineer's report: what was deployed, whether it verified, and whether it was rolled back. */
export const devopsOutput = z.object({
  deployment: z.object({
    ref: z.string().describe('Git ref or SHA deployed'),
    status: z.enum(['succeeded', 'failed', 'skipped']),
    pullRequest: z.number().int().positive().optional().describe('The PR merged for it'),
  }),
  verification: z.object({
    healthy: z.boolean(),
    checks: z.array(z.object({ query: z.string(), value: z.number(), threshold: z.number(), ok: z.boolean() })),
  }),
  rollback: z.object({ performed: z.boolean(), reason: z.string().optional() }),
  maintenanceMode: z.boolean(),
  summary: z.string().min(1),
});
export type DevopsReport = z.infer<typeof devopsOutput>;

const instructions = `Deploy and verify the backend engineer's fix from the handoff.
Method:
1. Check the pull request's status; merge it (squash).
2. Deploy the merged ref; wait until rollout_status is healthy or failed.
3. Verify with Prometheus: error rate under 0.1% and p95 latency back near baseline; check several times over the window.
4. If the deploy fails or verification does not recover, roll back and verify again; if still unhealthy, turn maintenance mode on.
5. Annotate deploys and rollbacks in Grafana.
Report each check with its query, value and threshold.`;

/** Definition of the built-in devops persona (no model or tools attached). */
export const devopsDefinition: PersonaOptions<typeof devopsOutput> = {
  name: 'devops',
  description: 'DevOps engineer: merges, deploys and verifies the fix, and rolls back when it does not hold.',
  instructions,
  tools: ['github.merge_pull_request', 'github.pull_request_read', 'deploy.*', 'grafana.query_prometheus', 'grafana.create_annotation'],
  budget: { tokens: 150_000, turns: 16, toolCalls: 30 },
  output: devopsOutput,
  // Verification polls the same queries; allow that without tripping loop detection.
  limits: { maxIdenticalCalls: 6 },
};

/** The devops engineer (stage 3): merge, deploy tools and Prometheus reads; outputs a DevopsReport. */
export function devops(overrides: Partial<PersonaOptions<typeof devopsOutput>> = {}): PersonaStep<DevopsReport> {
  return persona({ ...devopsDefinition, ...overrides });
}
