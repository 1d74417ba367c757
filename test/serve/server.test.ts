// The HTTP API of `firebreak serve` over a real incident service, tool host, github MCP server and git forge
// (test/mcp-server/helpers/world.ts): a p3 alert files a ticket, `github.issue_write` is risky, so an incident
// waits for approval and holds its runner slot — which is how the queue fills up and how the approve endpoint
// is exercised without an LLM.
import { request } from 'node:http';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { parse as parseYaml } from 'yaml';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { openMemory } from '../../src/memory/open.js';
import type { MemoryStore } from '../../src/memory/types.js';
import { McpServeConfigError } from '../../src/mcp-server/errors.js';
import { ServeMetrics, startAlertServer, type AlertServerHandle } from '../../src/serve/index.js';
import { AlertIntake } from '../../src/workflows/alert-intake.js';
import { INCIDENT_QUEUE } from '../../src/workflows/incident-runner.js';
import type { IncidentServiceHandle } from '../../src/workflows/service.js';
import { startWorld, type World } from '../mcp-server/helpers/world.js';
import { alertsDocBlocks, amWebhook, eventually, http } from './helpers.js';

const TOKEN = 'serve-test-token-0123456789abcdef';
const logLines: string[] = [];
const logger = pino({ level: 'info' }, new Writable({ write(chunk, _enc, cb) { logLines.push(String(chunk)); cb(); } }));

interface Served { world: World; server: AlertServerHandle; metrics: ServeMetrics; url: string; service: IncidentServiceHandle; memory: MemoryStore }
const opened: Served[] = [];

async function serve(opts: { token?: string; runner?: { concurrency: number; maxQueued: number } } = {}): Promise<Served> {
  // The intake shares the service's store: bindings and alert logs live next to the records.
  const memory = await openMemory('memory:');
  let service: IncidentServiceHandle | undefined;
  const metrics = new ServeMetrics({
    pendingApprovals: async () => (service ? (await service.pendingApprovals()).length : 0),
    queueDepth: async () => (service ? service.runner.depth(INCIDENT_QUEUE) : { waiting: 0, running: 0 }),
  });
  const world = await startWorld({ memory, hooks: metrics.hooks(), ...(opts.runner ? { runner: { kind: 'local', ...opts.runner } } : {}) });
  service = world.incidents;
  const intake = new AlertIntake({ service, memory, logger });
  const health = async (): Promise<Record<string, unknown>> => ({ queue: await world.incidents.runner.depth(INCIDENT_QUEUE) });
  const server = await startAlertServer({ service, intake, metrics, health }, { logger, retryAfterSeconds: 7, ...(opts.token ? { token: opts.token } : {}) });
  const served = { world, server, metrics, url: server.url, service: world.incidents, memory };
  opened.push(served);
  return served;
}

let main: Served;

beforeAll(async () => {
  main = await serve();
});

afterAll(async () => {
  for (const s of opened) {
    await s.server.close();
    await s.world.close();
    await s.memory.close();
  }
});

afterEach(() => {
  logLines.length = 0;
});

describe('alerts in', () => {
  it('one Alertmanager group opens ONE incident; a repeat joins it; a resolution marks its alert resolved', async () => {
    const first = await http(`${main.url}/api/v1/alerts/alertmanager`, { body: amWebhook([{ fingerprint: 'a1a1a1a1a1a1a1a1' }, { fingerprint: 'b2b2b2b2b2b2b2b2', labels: { instance: 'b' } }]) });
    expect(first.status).toBe(202);
    expect(first.body.opened).toHaveLength(1);
    const id = first.body.opened[0].id as string;
    expect(first.body.opened[0].fingerprints).toEqual(['a1a1a1a1a1a1a1a1', 'b2b2b2b2b2b2b2b2']);

    const repeat = await http(`${main.url}/api/v1/alerts/alertmanager`, { body: amWebhook([{ fingerprint: 'a1a1a1a1a1a1a1a1' }, { fingerprint: 'b2b2b2b2b2b2b2b2', labels: { instance: 'b' } }]) });
    expect(repeat.body).toEqual({ opened: [], deduplicated: [{ id, fingerprints: ['a1a1a1a1a1a1a1a1', 'b2b2b2b2b2b2b2b2'] }], resolved: [], ignored: [] });

    const resolved = await http(`${main.url}/api/v1/alerts/alertmanager`, { body: amWebhook([{ fingerprint: 'a1a1a1a1a1a1a1a1', status: 'resolved' }]) });
    expect(resolved.body).toEqual({ opened: [], deduplicated: [], resolved: [{ id, fingerprints: ['a1a1a1a1a1a1a1a1'] }], ignored: [] });

    const shown = await http(`${main.url}/api/v1/incidents/${id}`);
    expect(shown.status).toBe(200);
    expect(shown.body.alerts).toEqual([
      expect.objectContaining({ fingerprint: 'a1a1a1a1a1a1a1a1', status: 'resolved', opened: true, notifications: 3, resolvedAt: expect.any(String) }),
      expect.objectContaining({ fingerprint: 'b2b2b2b2b2b2b2b2', status: 'firing', opened: true, notifications: 2 }),
    ]);
    expect(shown.body.sourceResolvedAt).toBeUndefined(); // b2 still fires
    expect(shown.body.timeline.filter((e: { kind: string }) => e.kind === 'alert').map((e: { summary: string }) => e.summary)).toEqual([
      expect.stringMatching(/a1a1a1a1a1a1a1a1\) firing: opened the incident/),
      expect.stringMatching(/b2b2b2b2b2b2b2b2\) firing: opened the incident/),
      expect.stringMatching(/a1a1a1a1a1a1a1a1\) resolved: the alert source saw it recover/),
    ]);

    // The incident waits for approval of its ticket: decide it over the API.
    const pending = await eventually('the ticket approval', async () => {
      const r = await http(`${main.url}/api/v1/incidents/${id}`);
      return r.body.pendingApprovals.length === 1 && r.body.pendingApprovals[0];
    });
    expect(pending).toMatchObject({ action: 'github.issue_write' });
    const decided = await http(`${main.url}/api/v1/incidents/${id}/approve`, { body: { decision: 'approve', reason: 'file it', by: 'oncall@example.com' } });
    expect(decided).toMatchObject({ status: 200, body: { id, request: pending.id, action: 'github.issue_write', approved: true, by: 'oncall@example.com' } });
    const ended = await eventually('the incident to end', async () => {
      const r = await http(`${main.url}/api/v1/incidents/${id}`);
      return r.body.endedAt && r.body;
    });
    expect(ended).toMatchObject({ status: 'resolved', outcome: { resolved: true } });
    expect((await http(`${main.url}/api/v1/incidents/${id}/approve`, { body: { decision: 'approve' } })).status).toBe(404);

    // Still bound after the incident ended: a repeat of b2 joins it rather than opening a second one.
    const late = await http(`${main.url}/api/v1/alerts/alertmanager`, { body: amWebhook([{ fingerprint: 'b2b2b2b2b2b2b2b2', labels: { instance: 'b' } }]) });
    expect(late.body).toMatchObject({ opened: [], deduplicated: [{ id }] });
    const both = await http(`${main.url}/api/v1/alerts/alertmanager`, { body: amWebhook([{ fingerprint: 'b2b2b2b2b2b2b2b2', status: 'resolved', labels: { instance: 'b' } }]) });
    expect(both.body.resolved).toEqual([{ id, fingerprints: ['b2b2b2b2b2b2b2b2'] }]);
    expect((await http(`${main.url}/api/v1/incidents/${id}`)).body.sourceResolvedAt).toEqual(expect.any(String));

    // Firing again after the resolution is a new problem: a new incident.
    const again = await http(`${main.url}/api/v1/alerts/alertmanager`, { body: amWebhook([{ fingerprint: 'a1a1a1a1a1a1a1a1' }]) });
    expect(again.body.opened).toHaveLength(1);
    expect(again.body.opened[0].id).not.toBe(id);

    // A resolution for an alert nobody saw fire opens nothing.
    const stray = await http(`${main.url}/api/v1/alerts/alertmanager`, { body: amWebhook([{ fingerprint: 'c3c3c3c3c3c3c3c3', status: 'resolved' }]) });
    expect(stray.body).toEqual({ opened: [], deduplicated: [], resolved: [], ignored: ['c3c3c3c3c3c3c3c3'] });

    const list = await http(`${main.url}/api/v1/incidents?status=resolved`);
    expect(list.body.incidents.map((s: { id: string }) => s.id)).toContain(id);
    const metrics = (await http(`${main.url}/metrics`)).body as string;
    expect(metrics).toMatch(/firebreak_alerts_received_total\{source="alertmanager",status="firing"\} [1-9]/);
    expect(metrics).toMatch(/firebreak_alerts_deduplicated_total\{source="alertmanager"\} [1-9]/);
    expect(metrics).toMatch(/firebreak_incidents_opened_total\{severity="p3"\} [1-9]/);
    expect(metrics).toMatch(/firebreak_incidents_resolved_total\{severity="p3"\} 1/);
    expect(metrics).toMatch(/firebreak_tool_calls_total\{persona="workflow",outcome="ok"\} [1-9]/);
    expect(metrics).toMatch(/firebreak_approvals_pending [0-9]/);
    expect(metrics).toMatch(/firebreak_incident_start_delay_seconds_count [1-9]/);
  });

  it('the Grafana contact point of docs/alerts.md delivers the documented body, with its authorization', async () => {
    const s = await serve({ token: TOKEN });
    const provisioning = parseYaml(alertsDocBlocks('yaml')[1]!) as { contactPoints: { receivers: { type: string; settings: Record<string, string> }[] }[] };
    const receiver = provisioning.contactPoints[0]!.receivers[0]!;
    expect(receiver.type).toBe('webhook');
    const target = new URL(receiver.settings.url!);
    const credentials = receiver.settings.authorization_credentials!.replace('${FIREBREAK_TOKEN}', TOKEN);
    const body = JSON.parse(alertsDocBlocks('json')[0]!);
    const res = await http(`${s.url}${target.pathname}`, { raw: JSON.stringify(body), headers: { authorization: `${receiver.settings.authorization_scheme} ${credentials}` } });
    expect(res.status).toBe(202);
    expect(res.body.opened[0].fingerprints).toEqual(['57c6d9296de2ad39']);
    const record = (await http(`${s.url}/api/v1/incidents/${res.body.opened[0].id}`, { token: TOKEN })).body;
    expect(record.alert).toMatchObject({ source: 'grafana', fingerprint: '57c6d9296de2ad39', title: 'checkout 5xx above 5%', severity: 'p1' });
    // And the config block of the page is a valid configuration.
    expect(parseConfig(JSON.parse(alertsDocBlocks('json')[1]!), 'docs/alerts.md', '/srv', {}).serve).toMatchObject({ host: '0.0.0.0', concurrency: 4, maxQueued: 100 });
  });
});

describe('bad input, auth and the queue', () => {
  it('answers malformed, misrouted and oversized bodies with what is wrong, logs them redacted, and stays up', async () => {
    const secret = `ghp_${'Z'.repeat(36)}`;
    const notJson = await http(`${main.url}/api/v1/alerts`, { raw: `{"title": "${secret}"` });
    expect(notJson.status).toBe(400);
    expect(notJson.body.error.message).toMatch(/^request body is not JSON: /);
    const badField = await http(`${main.url}/api/v1/alerts/alertmanager`, { body: { ...amWebhook([{ fingerprint: 'd4d4d4d4d4d4d4d4' }]), alerts: [{ labels: {}, startsAt: 'yesterday' }] } });
    expect(badField.status).toBe(400);
    expect(badField.body.error.message).toMatch(/alert webhook\.alerts\.0\.startsAt: must be an RFC 3339 timestamp/);
    const misrouted = await http(`${main.url}/api/v1/alerts/alertmanager`, { body: { title: 'not a webhook' } });
    expect(misrouted.body.error.message).toMatch(/alertmanager webhook: expected a JSON object with an "alerts" array/);
    const v3 = await http(`${main.url}/api/v1/alerts/alertmanager`, { body: { ...amWebhook([{ fingerprint: 'd4d4d4d4d4d4d4d4' }]), version: '3' } });
    expect(v3.body.error.message).toMatch(/version: expected "4", got "3"/);
    const big = await http(`${main.url}/api/v1/alerts`, { raw: JSON.stringify({ title: 'x'.repeat(2 * 1024 * 1024) }) });
    expect(big.status).toBe(413);
    expect(big.body.error.message).toMatch(/exceeds 1048576 bytes/);
    const unknown = await http(`${main.url}/api/v2/alerts`);
    expect(unknown.status).toBe(404);
    const wrongMethod = await http(`${main.url}/api/v1/incidents`, { method: 'DELETE' });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toBe('GET');
    expect((await http(`${main.url}/api/v1/incidents/inc-nope`)).status).toBe(404);
    expect((await http(`${main.url}/api/v1/incidents?limit=0`)).body.error.message).toMatch(/limit/);
    expect((await http(`${main.url}/healthz`)).body).toMatchObject({ status: 'ok', queue: { waiting: expect.any(Number) } });

    const log = logLines.join('');
    expect(log).toMatch(/"status":400/);
    expect(log).toMatch(/"status":413/);
    expect(log).not.toContain(secret);
    expect(JSON.stringify(notJson.body)).not.toContain(secret);
    const metrics = (await http(`${main.url}/metrics`)).body as string;
    expect(metrics).toMatch(/firebreak_alerts_rejected_total\{source="api",reason="too-large"\} 1/);
  });

  it('with a token, every request without it gets 401, on every path; beyond loopback a token is required', async () => {
    const s = await serve({ token: TOKEN });
    for (const [path, method] of [['/api/v1/alerts', 'POST'], ['/healthz', 'GET'], ['/metrics', 'GET'], ['/nowhere', 'GET']] as const) {
      const res = await http(`${s.url}${path}`, { method, ...(method === 'POST' ? { body: { title: 'x' } } : {}) });
      expect(res.status, path).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
    }
    expect((await http(`${s.url}/healthz`, { token: 'wrong-token-0123456789' })).status).toBe(401);
    expect((await http(`${s.url}/healthz`, { token: TOKEN })).status).toBe(200);
    expect((await http(`${s.url}/nowhere`, { token: TOKEN })).status).toBe(404);
    expect(logLines.join('')).not.toContain(TOKEN);

    const deps = { service: s.service, intake: new AlertIntake({ service: s.service, memory: s.memory }), metrics: s.metrics };
    await expect(startAlertServer(deps, { host: '0.0.0.0' })).rejects.toThrow(McpServeConfigError);
    await expect(startAlertServer(deps, { host: '0.0.0.0' })).rejects.toThrow(/FIREBREAK_TOKEN/);
    await expect(startAlertServer(deps, { token: 'short' })).rejects.toThrow(/too short/);
  });

  it('without a token, a foreign Host or Origin is refused (DNS rebinding)', async () => {
    const port = Number(new URL(main.url).port);
    // node:http, not fetch: fetch does not let a caller set Host.
    const get = (headers: Record<string, string>): Promise<number> => new Promise((resolve, reject) => {
      request({ host: '127.0.0.1', port, path: '/healthz', headers }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      }).on('error', reject).end();
    });
    expect(await get({ host: `evil.example:${port}` })).toBe(403);
    expect(await get({ host: `127.0.0.1:${port}`, origin: 'http://evil.example' })).toBe(403);
    expect(await get({ host: `localhost:${port}` })).toBe(200);
    expect(await get({ host: `127.0.0.1:${port}`, origin: `http://localhost:${port}` })).toBe(200);
  });

  it('a full queue answers 503 with Retry-After and records nothing; the retry opens the incident once there is room', async () => {
    // One incident at a time, one waiting: the first holds its slot waiting for its ticket's approval.
    const s = await serve({ runner: { concurrency: 1, maxQueued: 1 } });
    const post = (fp: string) => http(`${s.url}/api/v1/alerts/alertmanager`, { body: amWebhook([{ fingerprint: fp, summary: `disk ${fp}` }], `{}:{fp="${fp}"}`) });
    const first = await post('e5e5e5e5e5e5e5e5');
    const firstId = first.body.opened[0].id as string;
    await eventually('the first incident to wait for approval', async () => (await s.service.pendingApprovals(firstId)).length === 1);
    const second = await post('f6f6f6f6f6f6f6f6');
    expect(second.status).toBe(202);
    const secondId = second.body.opened[0].id as string;
    expect((await s.service.get(secondId))?.status).toBe('queued');

    const refused = await post('0707070707070707');
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('7');
    expect(refused.body.error.message).toMatch(/queue 'incidents' is full: 1 runs waiting, admission limit 1.*retry after 7 s/);
    expect(logLines.join('')).toMatch(/0707070707070707.*incident queue full: notification refused with 503/);
    expect((await s.service.list()).map((i) => i.id).sort()).toEqual([firstId, secondId].sort()); // nothing recorded

    // Room again: approve the first, the second starts; the sender's retry opens the third.
    const request = (await s.service.pendingApprovals(firstId))[0]!;
    expect(await s.service.approve(firstId, request.id, 'test')).toBe(true);
    await eventually('the second incident to leave the queue', async () => (await s.service.get(secondId))?.status !== 'queued');
    const retried = await post('0707070707070707');
    expect(retried.status).toBe(202);
    expect(retried.body.opened).toHaveLength(1);
    const metrics = (await http(`${s.url}/metrics`)).body as string;
    expect(metrics).toMatch(/firebreak_alerts_rejected_total\{source="alertmanager",reason="queue-full"\} 1/);
  });
});
