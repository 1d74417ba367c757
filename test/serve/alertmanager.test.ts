// The whole intake, end to end, with the real things: a tiny service whose /metrics says whether it is broken,
// a real Prometheus with a rule that fires while it is, a real Alertmanager (Debian's prometheus-alertmanager)
// configured with the webhook_configs block of docs/alerts.md (URL, timings and token file swapped in),
// and `firebreak serve` as a real process with a bearer token. Across Alertmanager's repeats exactly one
// incident opens; when the rule stops firing the incident shows its alert resolved and no second one exists.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPrometheus, type PrometheusServer } from '../../src/lab/prometheus/server.js';
import type { IncidentRecord } from '../../src/workflows/incident.js';
import { alertmanagerOrSkip, startAlertmanager, type Alertmanager } from './alertmanager.js';
import { alertsDocBlocks, eventually, http, killAll, startCli, type ServeProcess } from './helpers.js';

const TOKEN = 'alertmanager-e2e-token-0123456789';
const available = await alertmanagerOrSkip('serve/alertmanager');

let dir: string;
let broken = 1;
let service: Server;
let prometheus: PrometheusServer | undefined;
let alertmanager: Alertmanager | undefined;
let serve: ServeProcess | undefined;

beforeAll(async () => {
  if (!available) return;
  dir = await mkdtemp(join(tmpdir(), 'firebreak-am-'));
  service = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    res.end(`# TYPE demo_broken gauge\ndemo_broken{service="demo-api"} ${broken}\n`);
  });
  await new Promise<void>((resolve) => service.listen(0, '127.0.0.1', resolve));
}, 60_000);

afterAll(async () => {
  killAll();
  await prometheus?.stop();
  await alertmanager?.stop();
  await new Promise((r) => service?.close(r));
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe.skipIf(!available)('Prometheus -> Alertmanager -> firebreak serve', () => {
  it('opens exactly one incident across repeats, and shows its alert resolved when the rule stops firing', async () => {
    await writeFile(join(dir, 'firebreak.config.json'), JSON.stringify({
      memory: 'sqlite:state/firebreak.db', approval: { policy: 'auto' }, postmortemDir: 'incidents', serve: { port: 0 },
    }));
    await writeFile(join(dir, 'firebreak.token'), `${TOKEN}\n`);
    serve = await startCli(['serve', '--token-file', 'firebreak.token'], { cwd: dir });

    // The documented Alertmanager config, pointed at this server, with test-sized intervals.
    const documented = parseYaml(alertsDocBlocks('yaml')[0]!) as {
      route: Record<string, unknown>;
      receivers: { name: string; webhook_configs: { url: string; http_config: { authorization: { type: string; credentials_file: string } } }[] }[];
    };
    const webhook = documented.receivers[0]!.webhook_configs[0]!;
    expect(webhook.url).toBe('http://firebreak.internal:7346/api/v1/alerts/alertmanager');
    expect(webhook.http_config.authorization).toEqual({ type: 'Bearer', credentials_file: '/etc/alertmanager/firebreak.token' });
    webhook.url = webhook.url.replace('http://firebreak.internal:7346', serve.url);
    webhook.http_config.authorization.credentials_file = join(dir, 'firebreak.token');
    Object.assign(documented.route, { group_wait: '1s', group_interval: '2s', repeat_interval: '3s' });
    alertmanager = await startAlertmanager(dir, stringify(documented));

    prometheus = await startPrometheus({
      jobs: [{ job: 'demo-api', targets: [`127.0.0.1:${(service.address() as AddressInfo).port}`] }],
      rules: [{ name: 'DemoBroken', expr: 'max by (service) (demo_broken) > 0', labels: { severity: 'info' }, annotations: { summary: 'demo-api is broken' } }],
      alertmanagers: [alertmanager.hostPort],
    });

    const incidents = async (): Promise<{ id: string }[]> => (await http(`${serve!.url}/api/v1/incidents`, { token: TOKEN })).body.incidents;
    const record = async (id: string): Promise<IncidentRecord> => (await http(`${serve!.url}/api/v1/incidents/${id}`, { token: TOKEN })).body;
    const [opened] = await eventually('an incident from Alertmanager', async () => {
      const list = await incidents();
      return list.length > 0 && list;
    }, 90_000, 250);
    const id = opened!.id;
    const first = await record(id);
    expect(first.alert).toMatchObject({ source: 'alertmanager', title: 'demo-api is broken', severity: 'p3' });

    // Alertmanager repeats the still-firing group (repeat_interval 3 s): each repeat joins the incident.
    const repeated = await eventually('three notifications of the alert', async () => {
      const r = await record(id);
      return (r.alerts?.[0]?.notifications ?? 0) >= 3 && r;
    }, 60_000, 250);
    expect(repeated.alerts).toEqual([expect.objectContaining({ status: 'firing', opened: true, fingerprint: first.alert.fingerprint })]);
    expect(await incidents()).toHaveLength(1);

    // The service recovers: the rule stops firing, Alertmanager sends the resolution.
    broken = 0;
    const resolved = await eventually('the alert resolved on the incident', async () => {
      const r = await record(id);
      return r.sourceResolvedAt ? r : undefined;
    }, 90_000, 250);
    expect(resolved.alerts).toEqual([expect.objectContaining({ status: 'resolved', resolvedAt: expect.any(String) })]);
    expect(resolved.timeline.filter((e) => e.kind === 'alert').map((e) => e.summary)).toEqual([
      expect.stringMatching(/firing: opened the incident/),
      expect.stringMatching(/resolved: the alert source saw it recover/),
    ]);
    // A few more group intervals: nothing new opens.
    await new Promise((r) => setTimeout(r, 6_000));
    expect((await incidents()).map((i) => i.id)).toEqual([id]);
    const metrics = (await http(`${serve.url}/metrics`, { token: TOKEN })).body as string;
    expect(metrics).toMatch(/firebreak_alerts_received_total\{source="alertmanager",status="resolved"\} [1-9]/);
    expect(metrics).toMatch(/firebreak_incidents_opened_total\{severity="p3"\} 1\n/);
    expect(await serve.stop()).toBe(0);
  }, 240_000);
});
