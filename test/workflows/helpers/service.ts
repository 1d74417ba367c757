import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { openMemory } from '../../../src/memory/open.js';
import { connectTools, type ToolHost } from '../../../src/tools/host/index.js';
import type { IncidentRecord } from '../../../src/workflows/incident.js';
import { playbookModels } from '../../../src/workflows/playbooks.js';
import { createIncidentService, type IncidentServiceHandle, type IncidentServiceOptions } from '../../../src/workflows/service.js';
import { FAST_VERIFICATION, OWNER, SERVICE, type World } from './world.js';

export interface Responder {
  service: IncidentServiceHandle;
  tools: ToolHost;
  close(): Promise<void>;
}

/** An incident service over the world's MCP servers (in-process), playbook models by default, auto approvals. */
export async function responder(world: World, opts: Partial<IncidentServiceOptions> & { hostOptions?: Record<string, unknown> } = {}): Promise<Responder> {
  const { hostOptions, ...serviceOpts } = opts;
  const tools = await connectTools({ mcpServers: world.mcpServers() as never, serverOptions: { sandbox: { callTimeoutMs: 90_000 } }, ...(hostOptions ?? {}) });
  const memory = serviceOpts.memory ?? (await openMemory('memory:'));
  const service = await createIncidentService({
    tools,
    model: await playbookModels(),
    memory,
    approval: { policy: 'auto' },
    repository: `${OWNER}/${SERVICE}`,
    ...serviceOpts,
    workflow: { verification: FAST_VERIFICATION, deploy: { deployBackoffMs: 500 }, changes: { knownGoodMinLiveSeconds: 3 }, ...(serviceOpts.workflow ?? {}) },
  });
  return {
    service,
    tools,
    async close() {
      await service.close();
      await tools.close();
      if (!serviceOpts.memory) await memory.close();
    },
  };
}

/** A webhook receiver: the real HTTP wire a Slack/PagerDuty webhook would see, recorded. */
export interface Webhook {
  url: string;
  received: Record<string, unknown>[];
  close(): Promise<void>;
}

export async function startWebhook(): Promise<Webhook> {
  const received: Record<string, unknown>[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      received.push({ path: req.url, ...(JSON.parse(body) as Record<string, unknown>) });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/** Timeline kinds in order, for compact assertions. */
export function kinds(record: IncidentRecord, filter: readonly string[]): string[] {
  return record.timeline.filter((e) => filter.includes(e.kind)).map((e) => `${e.kind}:${e.summary.split(':')[0]}`);
}

export function actions(record: IncidentRecord): string[] {
  return record.actions.map((a) => a.kind);
}
