// Deduplication is only as good as its atomicity: concurrent deliveries of one alert — an Alertmanager retry,
// two `firebreak serve` processes — must open one incident. The bindings run on every memory backend (two
// separate connections racing), and the whole intake runs in four real processes racing on one SQLite file.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openMemory } from '../../src/memory/open.js';
import { connectTools, type ToolHost } from '../../src/tools/host/index.js';
import { parseAlertBatch, labelFingerprint } from '../../src/workflows/alert-batch.js';
import { AlertBindings, BINDINGS_NS, fingerprintNamespace } from '../../src/workflows/alert-bindings.js';
import { AlertIntake } from '../../src/workflows/alert-intake.js';
import { playbookModels } from '../../src/workflows/playbooks.js';
import { createIncidentService } from '../../src/workflows/service.js';
import { durableTargets } from '../memory/targets.js';
import { amWebhook } from './helpers.js';

const exec = promisify(execFile);
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'firebreak-dedupe-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('alert bindings', async () => {
  // SQLite always; PostgreSQL and Redis when reachable (skipped with the reason printed, or failing with
  // FIREBREAK_REQUIRE_SERVICES=1).
  for (const target of await durableTargets()) {
    it.skipIf(!target.available)(`${target.name}: of 24 concurrent binds over two connections exactly one wins; resolve and release unbind`, async () => {
      const { url, cleanup } = target.isolated();
      const stores = [await openMemory(url), await openMemory(url)] as const;
      try {
        const [a, b] = stores.map((s) => new AlertBindings(s)) as [AlertBindings, AlertBindings];
        const results = await Promise.all(Array.from({ length: 24 }, (_, i) => (i % 2 ? a : b).bind('fp-race', `inc-${i}`)));
        const winners = results.filter((r) => r.won);
        expect(winners).toHaveLength(1);
        expect(new Set(results.map((r) => r.incident))).toEqual(new Set([winners[0]!.incident]));
        expect(await b.current('fp-race')).toMatchObject({ incident: winners[0]!.incident });

        expect(await a.resolve('fp-race')).toBe(winners[0]!.incident);
        expect(await b.current('fp-race')).toBeUndefined();
        expect(await a.resolve('fp-race')).toBeUndefined(); // a second resolution ends nothing

        expect(await b.bind('fp-race', 'inc-next')).toEqual({ incident: 'inc-next', won: true });
        await a.release('fp-race', 'inc-other'); // not the bound incident: no effect
        expect((await b.current('fp-race'))?.incident).toBe('inc-next');
        await a.release('fp-race', 'inc-next');
        expect(await b.current('fp-race')).toBeUndefined();
        // The folds stored a snapshot along the way (more than 16 events), and folding from it agrees.
        expect(await stores[0].get(BINDINGS_NS, fingerprintNamespace('fp-race'))).toMatchObject({ seq: expect.any(Number) });
        expect(await new AlertBindings(stores[1]).bind('fp-race', 'inc-last')).toEqual({ incident: 'inc-last', won: true });
      } finally {
        for (const s of stores) await s.close();
        await cleanup();
      }
    });
  }

  it('fingerprints: the source\'s when given, else a stable hash of the labels (and the title without alertname)', () => {
    const batch = parseAlertBatch({ title: 'disk full', labels: { host: 'db-1' } });
    expect(batch.alerts[0]!.fingerprint).toBe(labelFingerprint({ title: 'disk full', labels: { host: 'db-1' } }));
    expect(labelFingerprint({ title: 'a', labels: { x: '1', y: '2' } })).toBe(labelFingerprint({ title: 'a', labels: { y: '2', x: '1' } }));
    expect(labelFingerprint({ title: 'a', labels: {} })).not.toBe(labelFingerprint({ title: 'b', labels: {} }));
    expect(labelFingerprint({ title: 'a', labels: { alertname: 'X' } })).toBe(labelFingerprint({ title: 'b', labels: { alertname: 'X' } }));
    expect(parseAlertBatch({ title: 'x', fingerprint: 'mine' }).alerts[0]!.fingerprint).toBe('mine');
    expect(fingerprintNamespace('a b/c')).toMatch(/^alert:#[0-9a-f]{32}$/);
  });
});

describe('alert intake under concurrency', () => {
  let tools: ToolHost;
  beforeAll(async () => {
    tools = await connectTools({ mcpServers: {} });
  });
  afterAll(async () => {
    await tools?.close();
  });

  it('ten concurrent deliveries of one group in one process open one incident', async () => {
    const memory = await openMemory('memory:');
    const service = await createIncidentService({ tools, memory, model: await playbookModels(), approval: { policy: 'auto' } });
    try {
      const intake = new AlertIntake({ service, memory });
      const body = amWebhook([{ fingerprint: '1111aaaa1111aaaa' }, { fingerprint: '2222bbbb2222bbbb' }]);
      const results = await Promise.all(Array.from({ length: 10 }, () => intake.receive(parseAlertBatch(body, 'alertmanager'))));
      expect(results.flatMap((r) => r.opened)).toHaveLength(1);
      expect(results.flatMap((r) => r.deduplicated).flatMap((d) => d.fingerprints)).toHaveLength(18);
      expect(await service.list()).toHaveLength(1);
    } finally {
      await service.close();
      await memory.close();
    }
  });

  it('four processes delivering the same notification at the same moment on one SQLite file open one incident', async () => {
    const db = join(dir, 'race.db');
    const payload = join(dir, 'race.json');
    await writeFile(payload, JSON.stringify(amWebhook([{ fingerprint: '3333cccc3333cccc' }, { fingerprint: '4444dddd4444dddd' }])));
    const child = fileURLToPath(new URL('./fixtures/intake-child.mjs', import.meta.url));
    // Children need ~1-2 s to load on a busy machine; all start delivering at the same instant.
    const startAt = Date.now() + 4_000;
    const outputs = await Promise.all(Array.from({ length: 4 }, () =>
      exec(process.execPath, ['--disable-warning=ExperimentalWarning', child, `sqlite:${db}`, payload, String(startAt)], { env: { ...process.env, FIREBREAK_LOG_LEVEL: 'error' }, timeout: 60_000 })));
    const results = outputs.map((o) => JSON.parse(o.stdout.trim().split('\n').at(-1)!) as { opened: { id: string }[]; deduplicated: { id: string; fingerprints: string[] }[] });
    const opened = results.flatMap((r) => r.opened);
    expect(opened).toHaveLength(1);
    expect(results.flatMap((r) => r.deduplicated).every((d) => d.id === opened[0]!.id)).toBe(true);
    const memory = await openMemory(`sqlite:${db}`);
    try {
      const incidents = await memory.list('incidents');
      expect(incidents.map((e) => e.key)).toEqual([opened[0]!.id]);
      // Every delivery is on the incident's alert log: 4 processes x 2 alerts.
      expect(await memory.events(`incident-${opened[0]!.id}/alerts`)).toHaveLength(8);
    } finally {
      await memory.close();
    }
  }, 90_000);
});
