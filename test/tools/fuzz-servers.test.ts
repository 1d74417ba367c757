import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { McpError, type Tool } from '@modelcontextprotocol/sdk/types.js';
import fc from 'fast-check';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getFreePort } from '../../src/lab/ports.js';
import { createGithubServer } from '../../src/tools/servers/github/index.js';
import { createGrafanaServer } from '../../src/tools/servers/grafana/index.js';
import { createSandboxServer, openSandbox } from '../../src/tools/servers/sandbox/index.js';

// Random JSON thrown at every tool of every built-in server: each call must come back as a tool result or
// a JSON-RPC error — never a hang, never a crash — and the server must still answer afterwards.

const CALL_DEADLINE_MS = 15_000;
let dir: string;
let notFound: Server;
const factories: Record<string, () => McpServer> = {};
const skipped: string[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fb-fuzz-'));
  await writeFile(join(dir, 'api.log'), `${JSON.stringify({ level: 50, time: Date.now(), msg: 'boom' })}\n`);
  // A GitHub API that knows nothing: every request is a quick 404, so write tools fail fast, offline.
  notFound = createServer((_req, res) => res.writeHead(404, { 'content-type': 'application/json' }).end('{"message":"Not Found"}'));
  await new Promise<void>((resolve) => notFound.listen(0, '127.0.0.1', resolve));
  const closedPort = await getFreePort();
  factories.grafana = () => createGrafanaServer({
    prometheusUrl: `http://127.0.0.1:${closedPort}`,
    logFiles: [{ name: 'api', path: join(dir, 'api.log') }],
    annotationsFile: join(dir, 'annotations.jsonl'),
    requestTimeoutMs: 2_000,
  });
  const githubUrl = `http://127.0.0.1:${(notFound.address() as AddressInfo).port}`;
  factories.github = () => createGithubServer({ apiUrl: githubUrl, token: 'ghp_fuzzfuzzfuzzfuzzfuzzfuzzfuzz123456' }, { logger: pino({ level: 'silent' }) });
  try {
    const workspace = join(dir, 'workspace');
    await mkdir(workspace);
    const sandbox = await openSandbox({ workspace, limits: { defaultTimeoutMs: 2_000, maxTimeoutMs: 3_000 } }, { logger: pino({ level: 'silent' }) });
    factories.sandbox = () => createSandboxServer({ sandbox });
  } catch (err) {
    skipped.push(`sandbox: ${(err as Error).message.split('\n')[0]}`);
  }
}, 30_000);
afterAll(async () => {
  await new Promise<void>((resolve) => notFound?.close(() => resolve()));
  await rm(dir, { recursive: true, force: true });
});

async function connect(factory: () => McpServer): Promise<Client> {
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await factory().connect(serverSide);
  const client = new Client({ name: 'fuzz', version: '1' });
  await client.connect(clientSide);
  return client;
}

/** Random JSON, plus objects that use the tool's own parameter names so calls get past the first checks. */
function argsFor(tool: Tool): fc.Arbitrary<unknown> {
  const names = Object.keys((tool.inputSchema.properties ?? {}) as Record<string, unknown>);
  const value = fc.oneof(
    fc.jsonValue({ maxDepth: 2 }),
    fc.string({ maxLength: 40 }),
    fc.constantFrom('', 'now', 'now-15m', '{job="api"}', '{job="api"} | json | level >= 50', 'up', 'list', 'get', '..', '/etc/passwd', 'a'.repeat(5_000)),
    fc.integer({ min: -5, max: 100_000 }),
  );
  const shaped = names.length > 0
    ? fc.record(Object.fromEntries(names.map((n) => [n, value])), { requiredKeys: [] })
    : fc.constant({});
  return fc.oneof(shaped, shaped, fc.dictionary(fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 5 }), fc.jsonValue({ maxDepth: 2 }));
}

async function callOnce(client: Client, name: string, args: unknown): Promise<'result' | 'rpc-error'> {
  try {
    const result = await client.callTool({ name, arguments: args as Record<string, unknown> }, undefined, { timeout: CALL_DEADLINE_MS });
    expect(Array.isArray(result.content), `${name}: a result has content`).toBe(true);
    return 'result';
  } catch (err) {
    // A JSON-RPC error is an acceptable answer; a local timeout (-32001) means the server hung.
    expect(err, `${name} ${JSON.stringify(args)?.slice(0, 200)}`).toBeInstanceOf(McpError);
    expect((err as McpError).code, `${name} hung on ${JSON.stringify(args)?.slice(0, 200)}`).not.toBe(-32001);
    return 'rpc-error';
  }
}

const RUNS: Record<string, number> = { grafana: 40, github: 25, sandbox: 12 };

describe('fuzzing the built-in MCP servers with random arguments', () => {
  for (const server of ['grafana', 'github', 'sandbox']) {
    it(`${server}: every tool answers every input, and the server stays up`, async (ctx) => {
      const factory = factories[server];
      if (!factory) {
        ctx.skip(`not available here: ${skipped.join('; ')}`);
        return;
      }
      const client = await connect(factory);
      try {
        const { tools } = await client.listTools();
        expect(tools.length).toBeGreaterThan(0);
        const outcomes = { result: 0, 'rpc-error': 0 };
        for (const tool of tools) {
          await fc.assert(
            fc.asyncProperty(argsFor(tool), async (args) => {
              outcomes[await callOnce(client, tool.name, args)]++;
            }),
            { numRuns: RUNS[server] ?? 20, seed: 20251114, endOnFailure: true },
          );
        }
        // Still alive and answering after everything it was thrown.
        expect((await client.listTools()).tools.length).toBe(tools.length);
        expect(outcomes.result).toBeGreaterThan(0);
      } finally {
        await client.close();
      }
    }, 180_000);
  }
});
