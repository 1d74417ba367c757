// With PostgreSQL memory, incidents run on DBOS queues: `firebreak serve` receives and queues, and any
// `firebreak worker --config` process with the same config runs them — here a serve that only queues
// (runner.execute: false), so the worker provably does the work. Incidents queued while no worker is up wait
// durably and run once one starts. Real processes, a fresh PostgreSQL database.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { IncidentRecord } from '../../src/workflows/incident.js';
import { createTestDatabase, postgresOrSkip, type TestDatabase } from '../runners/helpers/postgres.js';
import { eventually, http, killAll, runCli, startCli } from './helpers.js';

const available = await postgresOrSkip('serve/dbos');
let db: TestDatabase | undefined;
let dir: string;

beforeAll(async () => {
  if (!available) return;
  db = await createTestDatabase();
  dir = await mkdtemp(join(tmpdir(), 'firebreak-serve-dbos-'));
  await writeFile(join(dir, 'firebreak.config.json'), JSON.stringify({
    memory: db.url,
    approval: { policy: 'auto' },
    postmortemDir: 'incidents',
    serve: { port: 0, concurrency: 2 },
    runner: { execute: false, executorId: 'serve-front', pollIntervalMs: 100, heartbeatMs: 500, deadAfterMs: 2_000 },
  }));
}, 60_000);

afterEach(() => killAll());

afterAll(async () => {
  await db?.drop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe.skipIf(!available)('firebreak serve on DBOS', () => {
  it('a serve that only queues and a worker that runs: incidents wait durably for a worker, then run on it', async () => {
    const serve = await startCli(['serve'], { cwd: dir });
    expect(serve.ready).toMatchObject({ runner: 'dbos' });
    const ids: string[] = [];
    for (const n of [1, 2, 3]) {
      const res = await http(`${serve.url}/api/v1/alerts`, { body: { title: `Job ${n} stuck`, severity: 'p3', labels: { job: `batch-${n}` } } });
      expect(res.status).toBe(202);
      ids.push(res.body.opened[0].id as string);
    }
    // Nobody runs them yet: they wait in the queue, recorded as queued.
    const health = await http(`${serve.url}/healthz`);
    expect(health.body).toMatchObject({ runner: 'dbos', queue: { waiting: 3, running: 0 } });
    for (const id of ids) expect((await http(`${serve.url}/api/v1/incidents/${id}`)).body.status).toBe('queued');

    const worker = await startCli(['worker', '--config', 'firebreak.config.json', '--worker-id', 'worker-1', '--drain-ms', '1000'], { cwd: dir });
    expect(worker.ready).toMatchObject({ event: 'worker.ready', executorId: 'worker-1', queues: ['incidents'], workflows: ['incident-response'] });
    for (const id of ids) {
      const record = await eventually(`incident ${id} to end`, async () => {
        const r = (await http(`${serve.url}/api/v1/incidents/${id}`)).body as IncidentRecord;
        return r.endedAt ? r : undefined;
      }, 60_000, 200);
      // No MCP servers in this config: the ticket cannot be filed, the incident ends unresolved — on the worker.
      expect(record).toMatchObject({ status: 'unresolved', owner: { runner: 'dbos', executor: 'worker-1' } });
    }
    // A repeat of a still-firing alert, after its incident ended, joins it (the fingerprint is still bound).
    const repeat = await http(`${serve.url}/api/v1/alerts`, { body: { title: 'Job 1 stuck', severity: 'p3', labels: { job: 'batch-1' } } });
    expect(repeat.body).toMatchObject({ opened: [], deduplicated: [{ id: ids[0] }] });

    expect(await worker.stop()).toBe(0);
    expect(worker.stdout()).toMatch(/"event":"worker.stopped","executorId":"worker-1"/);
    expect(await serve.stop()).toBe(0);
    const list = await runCli(['incidents', 'list', '--json'], { cwd: dir });
    expect((JSON.parse(list.stdout) as { id: string }[]).map((r) => r.id).sort()).toEqual([...ids].sort());
  }, 180_000);
});
