import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import type { DrillLab, StartDrillLab } from '../../src/drills/lab-port.js';
import { runDrill } from '../../src/drills/runner.js';
import { parseScenario, type Scenario } from '../../src/drills/scenario.js';
import type { IncidentRecord } from '../../src/workflows/incident.js';
import { poolExhaustionFacts } from './helpers.js';

// Control-flow tests of the runner through its lab port, with an in-process lab that answers at once.
// What they pin down — teardown on every path, the responder's abort, alert blinding, the config leak
// check — is hard to trigger at an exact moment in a real lab; runner-lab.test.ts covers the real thing.

async function scenario(overrides: Record<string, unknown> = {}): Promise<Scenario> {
  const file = fileURLToPath(new URL('../../scenarios/pool-exhaustion.yaml', import.meta.url));
  const raw = parse(await readFile(file, 'utf8')) as Record<string, unknown>;
  return parseScenario({ ...raw, warmup: { durationMs: 0, holdSeconds: 0 }, ...overrides });
}

interface Probe { stopped: number; mcpServers: Record<string, unknown>; alertLabels: Record<string, string> }

function instantLab(probe: Probe): StartDrillLab {
  return async () => {
    const lab: DrillLab = {
      mcpServers: probe.mcpServers,
      inject: async () => undefined,
      waitForAlert: async () => ({ labels: probe.alertLabels, annotations: { summary: 'API error rate above 5%' }, state: 'firing', activeAt: new Date().toISOString(), value: '0.15' }),
      waitForSlos: async () => ({ heldSince: Date.now() }),
      series: async () => [{ t: Date.now(), errorRate: 0, p95Seconds: 0.3 }],
      rollouts: () => [],
      forgeEvents: () => [],
      stop: async () => {
        probe.stopped++;
      },
    };
    return lab;
  };
}

const probe = (over: Partial<Probe> = {}): Probe => ({ stopped: 0, mcpServers: { deploy: { type: 'http', url: 'http://127.0.0.1:1/mcp' } }, alertLabels: { alertname: 'APIErrorRateHigh', severity: 'critical' }, ...over });
const record = (): IncidentRecord => poolExhaustionFacts().record!;

describe('runDrill control flow', () => {
  it('tears the lab down and reports the responder\'s error when it throws', async () => {
    const p = probe();
    const result = await runDrill(await scenario(), { startLab: instantLab(p), respond: async () => Promise.reject(new Error('model unavailable')) });
    expect(p.stopped).toBe(1);
    expect(result.reason).toBe('respond phase failed: model unavailable');
    expect(result.phases.map((x) => x.phase)).toEqual(['start', 'warmup', 'inject', 'detect', 'respond', 'teardown']);
    expect(result.score.detected).toBe(true);
  });

  it('on cancellation aborts the responder, still tears down, and says cancelled', async () => {
    const p = probe();
    const controller = new AbortController();
    let responderAborted = false;
    const result = await runDrill(await scenario(), {
      startLab: instantLab(p),
      signal: controller.signal,
      respond: (_alert, _lab, signal) =>
        new Promise<IncidentRecord>((_resolve, reject) => {
          signal.addEventListener('abort', () => {
            responderAborted = true;
            reject(signal.reason);
          });
          setTimeout(() => controller.abort(new Error('Ctrl-C')), 50);
        }),
    });
    expect(responderAborted).toBe(true);
    expect(p.stopped).toBe(1);
    expect(result.cancelled).toBe(true);
    expect(result.passed).toBe(false);
    expect(result.reason).toBe('cancelled');
    expect(result.phases.find((x) => x.phase === 'respond')).toMatchObject({ ok: false, error: 'cancelled' });
    expect(result.phases.at(-1)).toMatchObject({ phase: 'teardown', ok: true });
  });

  it('cuts a responder that ignores its limit, with the limit as the reason', async () => {
    const p = probe();
    const result = await runDrill(await scenario({ limits: { respond: 200 } }), { startLab: instantLab(p), respond: () => new Promise<IncidentRecord>(() => undefined) });
    expect(result.reason).toBe('respond phase exceeded its 0.2 s limit');
    expect(result.phases.find((x) => x.phase === 'respond')!.timedOut).toBe(true);
    expect(p.stopped).toBe(1);
  }, 10_000);

  it('removes alert labels that name the scenario or its answer before the responder sees the alert', async () => {
    const p = probe({ alertLabels: { alertname: 'APIErrorRateHigh', scenario: 'pool-exhaustion', hint: 'Resource exhaustion', service: 'workflows-api' } });
    let seen: Record<string, string> = {};
    const result = await runDrill(await scenario(), {
      startLab: instantLab(p),
      respond: async (alert) => {
        seen = alert.labels;
        return record();
      },
    });
    expect(seen).toEqual({ alertname: 'APIErrorRateHigh', service: 'workflows-api' });
    expect(result.alert!.labels).toEqual(seen);
  });

  it('fails at start, and still tears down, when the tool config would leak the scenario', async () => {
    const p = probe({ mcpServers: { grafana: { command: 'node', args: ['x'], env: { LOG_FILES: 'svc=/tmp/pool-exhaustion/service.log' } } } });
    let called = false;
    const result = await runDrill(await scenario(), {
      startLab: instantLab(p),
      respond: async () => {
        called = true;
        return record();
      },
    });
    expect(called).toBe(false);
    expect(p.stopped).toBe(1);
    expect(result.reason).toBe('start phase failed: what the responder would be handed names the scenario or its answer (lab.mcpServers.grafana.env.LOG_FILES)');
  });
});
