// `firebreak serve`'s intake under load: how many alerts per second the HTTP API accepts while incidents run,
// and the time from an alert received to its incident running (p50/p95). Standalone: `node
// bench/serve.bench.ts` (after `npm run build`); writes bench/results/serve.json.
//
// The setup is `firebreak serve`'s own pieces in one process (incident service on the local runner with SQLite
// memory and its journal, the alert intake, the HTTP server and metrics), with the built-in grafana MCP server
// in front of a Prometheus that answers every query after QUERY_DELAY_MS: incidents then really run — their
// observability persona's tool calls take seconds — while alerts keep arriving over real HTTP.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { openMemory } from '../dist/memory/open.js';
import { ServeMetrics, startAlertServer } from '../dist/serve/index.js';
import { connectTools } from '../dist/tools/host/index.js';
import { createGrafanaServer } from '../dist/tools/servers/grafana/index.js';
import { AlertIntake } from '../dist/workflows/alert-intake.js';
import { INCIDENT_QUEUE } from '../dist/workflows/incident-runner.js';
import { playbookModels } from '../dist/workflows/playbooks.js';
import { createIncidentService } from '../dist/workflows/service.js';

const QUERY_DELAY_MS = 3_000;
const LATENCY_ALERTS = 30;
const LATENCY_SPACING_MS = 200;
const BLAST_SECONDS = 5;
const CLIENTS = 8;

const round = (x: number, digits = 1): number => Math.round(x * 10 ** digits) / 10 ** digits;
const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? Number.NaN;
};

/** A Prometheus that knows nothing and takes its time: every query answers an empty vector after the delay. */
async function slowPrometheus(): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    setTimeout(() => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const rules = (req.url ?? '').startsWith('/api/v1/rules');
      res.end(JSON.stringify({ status: 'success', data: rules ? { groups: [] } : { resultType: 'vector', result: [] } }));
    }, QUERY_DELAY_MS);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
}

function webhook(fingerprint: string, n: number): string {
  return JSON.stringify({
    version: '4', status: 'firing', receiver: 'firebreak', groupKey: `{}:{alertname="Bench${n}"}`,
    alerts: [{
      status: 'firing', fingerprint,
      labels: { alertname: `Bench${n}`, service: 'bench-api', severity: 'critical' },
      annotations: { summary: `bench alert ${n}` }, startsAt: new Date().toISOString(),
    }],
  });
}

async function post(url: string, body: string): Promise<{ status: number; json: { opened?: { id: string }[] } }> {
  const res = await fetch(`${url}/api/v1/alerts/alertmanager`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  return { status: res.status, json: (await res.json()) as { opened?: { id: string }[] } };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'firebreak-serve-bench-'));
  const prometheus = await slowPrometheus();
  const logger = pino({ level: 'silent' });
  const memory = await openMemory(`sqlite:${join(dir, 'firebreak.db')}`, { logger });
  const tools = await connectTools({ mcpServers: { grafana: { server: () => createGrafanaServer({ prometheusUrl: prometheus.url }) } } as never, callTimeoutMs: 60_000, logger });
  const started = new Map<string, number>();
  let service: Awaited<ReturnType<typeof createIncidentService>> | undefined;
  const metrics = new ServeMetrics({
    pendingApprovals: async () => 0,
    queueDepth: async () => (service ? service.runner.depth(INCIDENT_QUEUE) : { waiting: 0, running: 0 }),
  });
  const hooks = metrics.hooks();
  service = await createIncidentService({
    tools, memory, model: await playbookModels(), approval: { policy: 'auto' }, logger,
    runner: { kind: 'local', concurrency: 64, maxQueued: 100_000 },
    hooks: { ...hooks, started: (record, info) => { started.set(record.id, performance.now()); hooks.started?.(record, info); } },
  });
  const intake = new AlertIntake({ service, memory, logger });
  const server = await startAlertServer({ service, intake, metrics }, { logger, maxBodyBytes: 1024 * 1024 });
  try {
    // 1. Alert received -> incident running, one alert every 200 ms: by the end ~30 incidents run at once.
    const delays: number[] = [];
    const latencyIds: string[] = [];
    const sentAt = new Map<string, number>();
    for (let i = 0; i < LATENCY_ALERTS; i++) {
      const t0 = performance.now();
      const r = await post(server.url, webhook(`lat${String(i).padStart(13, '0')}`, i));
      const id = r.json.opened?.[0]?.id;
      if (r.status !== 202 || !id) throw new Error(`latency alert ${i}: HTTP ${r.status}`);
      sentAt.set(id, t0);
      latencyIds.push(id);
      await new Promise((res) => setTimeout(res, LATENCY_SPACING_MS));
    }
    await new Promise((res) => setTimeout(res, 500));
    for (const id of latencyIds) {
      const at = started.get(id);
      if (at !== undefined) delays.push(at - sentAt.get(id)!);
    }
    const depthDuring = await service.runner.depth(INCIDENT_QUEUE);

    // 2. While those incidents run: CLIENTS concurrent senders for BLAST_SECONDS, first repeats of open alerts
    //    (deduplicated), then new alerts (each opens an incident, queued behind the running ones).
    const blast = async (kind: 'repeat' | 'new'): Promise<{ accepted: number; failed: number; perSec: number; p50Ms: number; p95Ms: number }> => {
      const end = performance.now() + BLAST_SECONDS * 1000;
      const latencies: number[] = [];
      let failed = 0;
      let n = 0;
      await Promise.all(Array.from({ length: CLIENTS }, async () => {
        while (performance.now() < end) {
          const i = n++;
          const body = kind === 'repeat' ? webhook(`lat${String(i % LATENCY_ALERTS).padStart(13, '0')}`, i % LATENCY_ALERTS) : webhook(`new${String(i).padStart(13, '0')}`, 1000 + i);
          const t0 = performance.now();
          const r = await post(server.url, body);
          if (r.status === 202) latencies.push(performance.now() - t0);
          else failed++;
        }
      }));
      return { accepted: latencies.length, failed, perSec: round(latencies.length / BLAST_SECONDS), p50Ms: round(pct(latencies, 50)), p95Ms: round(pct(latencies, 95)) };
    };
    const repeats = await blast('repeat');
    const fresh = await blast('new');
    const depthAfter = await service.runner.depth(INCIDENT_QUEUE);

    const load = loadavg()[0] ?? 0;
    const result = {
      benchmark: 'serve',
      at: new Date().toISOString(),
      machine: { cpus: cpus().length, node: process.version, loadAverage1m: round(load, 2) },
      setup: `firebreak serve's pieces in one process: local runner (concurrency 64), SQLite memory + journal, playbook models, the grafana MCP server in front of a Prometheus answering each query after ${QUERY_DELAY_MS} ms; Alertmanager webhooks over HTTP from ${CLIENTS} concurrent clients`,
      alertToIncidentStartMs: {
        alerts: LATENCY_ALERTS, measured: delays.length, spacingMs: LATENCY_SPACING_MS,
        p50: round(pct(delays, 50)), p95: round(pct(delays, 95)), max: round(Math.max(...delays)),
        method: 'client clock: from sending the webhook to the service\'s started hook (record loaded, recorder attached, workflow about to run); slots were free',
        runningAtEnd: depthDuring.running,
      },
      acceptedWhileIncidentsRun: {
        seconds: BLAST_SECONDS, clients: CLIENTS,
        repeats: { ...repeats, note: 'repeats of the firing alerts of the running incidents: deduplicated (bind check + alert log append)' },
        newAlerts: { ...fresh, note: 'new fingerprints: each opens an incident (bind, record, enqueue) that starts at once while fewer than 64 run, else waits in the queue' },
        queueAfter: depthAfter,
      },
      notes: [
        `The 1-minute load average was ${round(load, 2)} on ${cpus().length} cores when the run ended (other work shares this machine): absolute numbers are pessimistic.`,
        'A repeat costs a fold of its fingerprint log and one alert-log append; a new alert also a bind, the incident record, context and summary, and the start of its run in the same process, which competes for the same two cores with the running incidents (not measured separately).',
      ],
    };
    process.stdout.write(`alert -> incident start: p50 ${result.alertToIncidentStartMs.p50} ms, p95 ${result.alertToIncidentStartMs.p95} ms (${delays.length} alerts, ${depthDuring.running} incidents running)\n`);
    process.stdout.write(`accepted while incidents run: repeats ${repeats.perSec}/s (p50 ${repeats.p50Ms} ms, p95 ${repeats.p95Ms} ms), new alerts ${fresh.perSec}/s (p50 ${fresh.p50Ms} ms, p95 ${fresh.p95Ms} ms); failed ${repeats.failed + fresh.failed}\n`);
    const out = fileURLToPath(new URL('./results/', import.meta.url));
    mkdirSync(out, { recursive: true });
    writeFileSync(`${out}serve.json`, JSON.stringify(result, null, 2) + '\n');
  } finally {
    await server.close();
    await service.close();
    await tools.close();
    await memory.close();
    await prometheus.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
