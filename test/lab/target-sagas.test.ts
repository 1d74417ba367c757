import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceConfigInput } from '../../src/lab/target/config.js';
import { launchTarget, type TargetHandle } from '../../src/lab/target/launch.js';
import { getJson, metricValue, postJson, readLogLines, tempDir, waitUntil } from './helpers/lab.js';

// Seed 002: the coordinator dies mid-saga (here: SIGKILL, as an OOM kill would), the restarted service
// never looks at RUNNING rows again, and only the recovery runbook (a config change) gets them moving.

const SAGAS = 6;
const provides = { 'payments-db': '' };
/** Slow steps so the sagas are surely mid-flight when the process is killed. */
const crashProne: ServiceConfigInput = { sagas: { processor: { pollIntervalMs: 100, stepDuration: { medianMs: 2_000, sigma: 0 } }, recovery: { enabled: false } } };
const withRunbook: ServiceConfigInput = {
  sagas: { processor: { pollIntervalMs: 100, stepDuration: { medianMs: 50, sigma: 0 } }, recovery: { enabled: true, staleAfterMs: 1_000, maxRetries: 3, intervalMs: 200 } },
};

type Counts = Record<'PENDING' | 'RUNNING' | 'COMPLETED' | 'FAILED' | 'RETRY_PENDING', number>;
const counts = async (t: TargetHandle): Promise<Counts> => (await getJson<{ counts: Counts }>(`${t.url}/api/sagas`)).counts;

describe('stuck sagas (seed 002)', () => {
  let workDir: string;
  let cleanup: () => Promise<void>;
  let current: TargetHandle | undefined;
  beforeAll(async () => ({ dir: workDir, cleanup } = await tempDir('sagas')));
  afterAll(async () => {
    await current?.stop();
    await cleanup();
  });

  it('a killed coordinator leaves sagas RUNNING; the recovery runbook re-queues and completes them', async () => {
    current = await launchTarget({ workDir, config: crashProne, provides });
    for (let i = 0; i < SAGAS; i++) expect((await postJson(`${current.url}/api/sagas`, { name: 'provision-tenant' })).status).toBe(201);
    await waitUntil('all sagas RUNNING', async () => (await counts(current as TargetHandle)).RUNNING === SAGAS);

    current.child.signal('SIGKILL');
    expect(await current.child.exited).toEqual({ code: null, signal: 'SIGKILL' });

    // Restarted on the same data dir without the runbook: nothing moves.
    current = await launchTarget({ workDir, config: crashProne, provides });
    await new Promise((r) => setTimeout(r, 1_200));
    expect(await counts(current)).toMatchObject({ RUNNING: SAGAS, COMPLETED: 0 });
    const stuck = await (await fetch(`${current.url}/metrics`)).text();
    expect(metricValue(stuck, 'saga_executions', { status: 'RUNNING' })).toBe(SAGAS);
    expect(metricValue(stuck, 'saga_oldest_running_age_seconds')).toBeGreaterThan(1);
    await current.stop();

    // The fix: the same service with sagas.recovery enabled.
    current = await launchTarget({ workDir, config: withRunbook, provides });
    const done = await waitUntil('all sagas COMPLETED', async () => {
      const c = await counts(current as TargetHandle);
      return c.COMPLETED === SAGAS ? c : undefined;
    });
    expect(done).toMatchObject({ RUNNING: 0, RETRY_PENDING: 0, PENDING: 0 });
    const metrics = await (await fetch(`${current.url}/metrics`)).text();
    expect(metricValue(metrics, 'saga_recovered_total')).toBe(SAGAS);

    const recovered = (await readLogLines(current.logFile)).filter((l) => l.msg === 'saga recovery: stuck RUNNING saga marked RETRY_PENDING');
    expect(recovered).toHaveLength(SAGAS);
    expect(recovered[0]).toMatchObject({ level: 'warn', retryCount: 1, sagaName: 'provision-tenant', step: 'reserve-capacity' });
    expect(recovered[0]?.stuckForMs as number).toBeGreaterThanOrEqual(1_000);
  }, 30_000);
});
