import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { loadScenario, parseScenario } from '../../src/drills/scenario.js';
import { startLab } from '../../src/lab/lab.js';
import { prometheusAvailable, waitUntil } from './helpers/lab.js';

// The provider-outage world: the lab's Prometheus scrapes the dependency (job payments-api), whose status page
// says "major outage" (4) only while an injected outage lasts. A 6 s outage instead of the scenario's 75 s.

const silent = pino({ level: 'silent' });

describe.skipIf(!prometheusAvailable('lab provider status'))('startLab(provider-outage): the provider\'s status page in Prometheus', () => {
  it('reports operational, then a major outage while the injected outage lasts, then operational again', async () => {
    const base = await loadScenario('provider-outage');
    const { source: _source, ...raw } = base;
    const scenario = parseScenario({ ...raw, fault: { ...raw.fault, durationMs: 6_000 } });
    const lab = await startLab(scenario, { logger: silent });
    try {
      const status = (): Promise<number | undefined> => lab.prometheus.queryValue('statuspage_component_status{job="payments-api",component="payments-api"}');
      await waitUntil('status page scraped as operational', async () => (await status()) === 1, { timeoutMs: 20_000, intervalMs: 500 });
      await lab.inject();
      await waitUntil('status page: major outage', async () => (await status()) === 4, { timeoutMs: 5_000, intervalMs: 250 });
      expect(await lab.prometheus.queryValue('lab_dependency_up{job="payments-api"}')).toBe(0);
      await waitUntil('status page: operational again', async () => (await status()) === 1, { timeoutMs: 15_000, intervalMs: 500 });
      // No task was sent in this world: nothing accepted, nothing stored (the store exists: the service created it).
      expect(lab.taskAccounting()).toEqual({ accepted: 0, stored: 0 });
    } finally {
      await lab.stop();
    }
  }, 90_000);
});
