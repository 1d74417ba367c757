import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import type { DrillLab, Responder, StartDrillLab } from '../../../src/drills/lab-port.js';
import { scenariosDir } from '../../../src/drills/scenario.js';
import { drillDesk } from '../../../src/mcp-server/drill-desk.js';
import type { DrillDesk } from '../../../src/mcp-server/types.js';
import { sleep } from '../../../src/primitives/abort.js';
import type { IncidentRecord } from '../../../src/workflows/incident.js';
import { quiet } from './world.js';

/**
 * DRILL TEST DOUBLES — the real drill runner (runDrills: phases, limits, scoring, report files) behind the real
 * drill desk, with an in-process lab and a stub responder, so drill_run's MCP contract (progress, cancellation,
 * report paths) is tested in about a second. A real lab run (processes, Prometheus, forge) takes a minute or
 * more on a shared CI core; drill-lab.test.ts does one for real.
 */
export interface QuickDrills {
  desk: DrillDesk;
  outDir: string;
  /** Labs started and stopped, to prove teardown after a cancellation. */
  labs: { started: number; stopped: number };
  close(): Promise<void>;
}

/** The shipped pool-exhaustion scenario with a zero-length warm-up, in a scratch scenarios directory. */
async function quickScenarios(dir: string): Promise<void> {
  const doc = parseDocument(await readFile(join(scenariosDir(), 'pool-exhaustion.yaml'), 'utf8'));
  doc.set('warmup', { durationMs: 0, holdSeconds: 0 });
  await writeFile(join(dir, 'pool-exhaustion.yaml'), doc.toString());
}

export async function quickDrills(opts: { respondMs?: number } = {}): Promise<QuickDrills> {
  const root = await mkdtemp(join(tmpdir(), 'fb-mcp-drills-'));
  const scenarios = join(root, 'scenarios');
  const outDir = join(root, 'reports');
  await mkdir(scenarios);
  await quickScenarios(scenarios);
  const labs = { started: 0, stopped: 0 };

  const startLab: StartDrillLab = async () => {
    labs.started++;
    let stopped = false;
    const lab: DrillLab = {
      mcpServers: {},
      inject: async () => undefined,
      waitForAlert: async ({ signal }) => {
        await sleep(50, signal);
        return {
          labels: { alertname: 'APIErrorRateHigh', severity: 'critical', service: 'workflows-api', endpoint: '/api/workflows/execute' },
          annotations: { summary: 'API error rate above 5% on /api/workflows/execute' },
          state: 'firing', activeAt: new Date().toISOString(), value: '0.15',
        };
      },
      waitForSlos: async ({ signal }) => {
        await sleep(20, signal);
        return { heldSince: Date.now() };
      },
      series: async () => [],
      rollouts: () => [],
      forgeEvents: () => [],
      stop: async () => {
        if (!stopped) labs.stopped++;
        stopped = true;
      },
    };
    return lab;
  };

  const respond: Responder = async (alert, _lab, signal) => {
    const startedAt = new Date().toISOString();
    await sleep(opts.respondMs ?? 30, signal);
    const endedAt = new Date().toISOString();
    const record: IncidentRecord = {
      id: 'quick-drill-1', title: alert.title, severity: alert.severity, status: 'resolved', alert, model: 'stub responder',
      approvalPolicy: 'auto', startedAt, endedAt, timeline: [{ at: startedAt, kind: 'stage', stage: 'stub', summary: 'stub responder' }],
      outputs: { observability: { rootCause: { category: 'resource-exhaustion', components: ['database-connection-pool'] } } },
      approvals: [], usage: { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, toolCalls: 0, turns: 0 }, actions: [],
      outcome: { resolved: true, summary: 'stubbed' },
    };
    return record;
  };

  return {
    desk: drillDesk({ respond, model: 'stub responder', outDir, scenariosDir: scenarios, startLab, logger: quiet }),
    outDir,
    labs,
    close: () => rm(root, { recursive: true, force: true }),
  };
}
