// recover(): an incident left queued by a process that died (on this host: its pid is gone) is resumed by
// exactly one of the processes recovering at once on the same SQLite file; one left by a live process, or by
// one on another host, is left alone.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openMemory } from '../../src/memory/open.js';
import type { MemoryStore } from '../../src/memory/types.js';
import { connectTools, type ToolHost } from '../../src/tools/host/index.js';
import { parseAlert } from '../../src/workflows/alert.js';
import type { IncidentOwner } from '../../src/workflows/incident.js';
import { buildIncidentContext } from '../../src/workflows/incident-context.js';
import { IncidentStore } from '../../src/workflows/incident-store.js';
import { playbookModels } from '../../src/workflows/playbooks.js';
import { newRecord } from '../../src/workflows/records.js';
import { createIncidentService } from '../../src/workflows/service.js';

const exec = promisify(execFile);
let dir: string;
let tools: ToolHost;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'firebreak-recover-'));
  tools = await connectTools({ mcpServers: {} });
});

afterAll(async () => {
  await tools?.close();
  await rm(dir, { recursive: true, force: true });
});

/** The pid of a process that has exited: what a crashed server leaves in its records. */
async function deadPid(): Promise<number> {
  const { stdout } = await exec(process.execPath, ['-e', 'console.log(process.pid)']);
  return Number(stdout.trim());
}

/** An incident as a process that died left it: recorded, queued, owned by that process. */
async function leftBehind(memory: MemoryStore, id: string, owner: IncidentOwner): Promise<void> {
  const alert = parseAlert({ title: `left behind ${id}`, severity: 'p3' });
  const record = { ...newRecord(id, alert, 'playbook (no LLM)', 'auto'), status: 'queued' as const, owner };
  await new IncidentStore(memory).create(record, buildIncidentContext(alert, { id }));
}

describe('recover()', () => {
  it('two services (two connections) recovering at once on one SQLite file resume each dead owner\'s incident exactly once', async () => {
    const url = `sqlite:${join(dir, 'shared.db')}`;
    const setup = await openMemory(url);
    const dead = await deadPid();
    await leftBehind(setup, 'inc-dead-1', { instance: 'crashed-1', host: hostname(), pid: dead, runner: 'local' });
    await leftBehind(setup, 'inc-dead-2', { instance: 'crashed-1', host: hostname(), pid: dead, runner: 'local' });
    await leftBehind(setup, 'inc-alive', { instance: 'alive-1', host: hostname(), pid: process.pid === 1 ? 2 : 1, runner: 'local' });
    await leftBehind(setup, 'inc-elsewhere', { instance: 'remote-1', host: `${hostname()}-other`, pid: dead, runner: 'local' });
    await setup.close();

    const stores = [await openMemory(url), await openMemory(url)];
    const services = await Promise.all(stores.map(async (memory) => createIncidentService({ tools, memory, model: await playbookModels(), approval: { policy: 'auto' } })));
    try {
      const recovered = await Promise.all(services.map((s) => s.recover()));
      expect(recovered.flat().sort()).toEqual(['inc-dead-1', 'inc-dead-2']);
      for (const id of ['inc-dead-1', 'inc-dead-2']) {
        const who = services.find((_, i) => recovered[i]!.includes(id))!;
        const record = await (await who.resume(id)).done;
        expect(record.endedAt).toBeDefined();
        expect(record.owner?.instance).toBe(who.owner.instance);
        expect(record.timeline.map((e) => e.kind)).toContain('route'); // it ran: a queued incident starts afresh
      }
      expect((await services[0]!.get('inc-alive'))?.status).toBe('queued');
      expect((await services[0]!.get('inc-elsewhere'))?.status).toBe('queued');
      // Nothing left to recover: ended incidents, live owners and other hosts stay as they are.
      expect(await services[1]!.recover()).toEqual([]);
    } finally {
      for (const s of services) await s.close();
      for (const m of stores) await m.close();
    }
  });
});
