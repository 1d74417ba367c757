import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { DRILL_PHASES } from '../../drills/types.js';
import { progressReporter } from '../progress.js';
import { errorResult, okResult } from '../results.js';
import { drillScore } from '../schemas.js';
import type { FirebreakMcpDeps } from '../types.js';

/**
 * drill_list and drill_run: the incident drills (a local lab, a fault injected, the personas respond, a
 * scored report). A drill takes minutes: drill_run reports each phase as progress and stops (tearing the
 * lab down) when the request is cancelled.
 */
export function registerDrillTools(server: McpServer, deps: FirebreakMcpDeps): string[] {
  server.registerTool(
    'drill_list',
    {
      title: 'List drills',
      description: 'The incident drill scenarios firebreak can run (name, title, source seed). The expected answer is never shown.',
      inputSchema: {},
      outputSchema: {
        scenarios: z.array(z.object({ name: z.string(), title: z.string(), seed: z.string().optional(), target: z.enum(['builtin', 'custom']) })),
      },
      annotations: { title: 'List drills', readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    async () => {
      try {
        const scenarios = await deps.drills.list();
        return okResult({ scenarios: scenarios.map((s) => ({ name: s.name, title: s.title, ...(s.seed ? { seed: s.seed } : {}), target: s.target })) });
      } catch (err) {
        return errorResult(err);
      }
    },
  );

  server.registerTool(
    'drill_run',
    {
      title: 'Run a drill',
      description:
        'Run one incident drill: start a local lab (service, Prometheus, git forge, deployer), inject the fault, let the personas detect, fix, ' +
        'deploy and verify, then score it (detected, localized, root cause, mitigated, harm, TTD, TTM). Takes minutes; reports progress per phase. ' +
        'Returns the score and the paths of report.html, report.json and postmortem.md.',
      inputSchema: { scenario: z.string().min(1).max(200).describe('A scenario name from drill_list') },
      outputSchema: {
        scenario: z.string(),
        title: z.string(),
        model: z.string(),
        passed: z.boolean(),
        cancelled: z.boolean(),
        reason: z.string().optional(),
        score: drillScore,
        reports: z.object({ dir: z.string(), json: z.string(), markdown: z.string(), html: z.string() }),
      },
      // It starts local processes and writes reports; it changes nothing outside its own lab.
      annotations: { title: 'Run a drill', readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
    },
    async ({ scenario }, extra) => {
      const progress = progressReporter(extra);
      // start + end of each phase.
      const total = DRILL_PHASES.length * 2;
      try {
        const report = await deps.drills.run(scenario, {
          signal: extra.signal,
          onProgress: (p) => progress.step(`${p.phase} ${p.status === 'start' ? 'started' : p.ok ? 'done' : `failed${p.error ? `: ${p.error}` : ''}`}`, total),
        });
        const s = report.score;
        return okResult({
          scenario: report.scenario, title: report.title, model: report.model, passed: report.passed, cancelled: report.cancelled,
          ...(report.reason ? { reason: report.reason } : {}),
          score: { detected: s.detected, ...(s.localized !== null ? { localized: s.localized } : {}), ...(s.rootCause !== null ? { rootCause: s.rootCause } : {}), mitigated: s.mitigated, withinLimits: s.withinLimits, harm: s.harm ?? [], ...(s.ttdMs !== null ? { ttdMs: s.ttdMs } : {}), ...(s.ttmMs !== null ? { ttmMs: s.ttmMs } : {}), toolCalls: s.toolCalls, reasons: s.reasons },
          reports: report.reports,
        });
      } catch (err) {
        return errorResult(err);
      }
    },
  );
  return ['drill_list', 'drill_run'];
}
