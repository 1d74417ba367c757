// startLab with a custom target: the example scenario of docs/drills.md ("Custom targets") with a team's own
// small HTTP service (the scripts below) written next to it. The lab starts it with the scenario's `start`
// command, deploys it with the team's `deploy` command, scrapes it with real Prometheus, serves it through its
// ingress and its MCP servers — and leaves nothing running after stop().
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadScenarioFile } from '../../src/drills/scenario.js';
import { LabStartError, startLab, type Lab } from '../../src/lab/lab.js';
import { getFreePort } from '../../src/lab/ports.js';
import { connectTools, type ServerEntry, type ToolHost } from '../../src/tools/host/index.js';
import { resultText } from '../../src/tools/types.js';
import { getJson, prometheusAvailable, tempDir, waitUntil } from './helpers/lab.js';
import { descendants } from './helpers/processes.js';

// The team's service: /api/hello answers with the release's greeting, /healthz reflects the release's `healthy`,
// /metrics is Prometheus text, every request is a JSON log line. A deploy loads a release in place through
// /admin/release (the lab does not restart a custom target: the team's deploy tooling switches releases).
const SERVICE = String.raw`import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname, join } from 'node:path';
const port = Number(process.env.PORT);
const logFile = process.env.LOG_FILE;
mkdirSync(dirname(logFile), { recursive: true });
let release = { revision: 'none', app: { greeting: 'not deployed yet', healthy: true } };
let broken = false;
const requests = new Map();
const log = (level, msg, fields = {}) => appendFileSync(logFile, JSON.stringify({ time: Date.now(), level, msg, revision: release.revision, ...fields }) + '\n');
const send = (res, status, body, type = 'application/json') => {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(text) }).end(text);
};
const metrics = () => [
  '# TYPE app_requests_total counter',
  ...[...requests].map(([status, n]) => 'app_requests_total{status="' + status + '"} ' + n),
  '# TYPE app_build_info gauge',
  'app_build_info{revision="' + release.revision + '"} 1',
  '',
].join('\n');
const body = (req) => new Promise((resolve) => { let s = ''; req.on('data', (c) => (s += c)); req.on('end', () => resolve(s)); });
createServer(async (req, res) => {
  const path = (req.url ?? '/').split('?')[0];
  if (path === '/healthz') return send(res, release.app.healthy ? 200 : 503, { status: release.app.healthy ? 'ok' : 'unhealthy', revision: release.revision, pid: process.pid });
  if (path === '/metrics') return send(res, 200, metrics(), 'text/plain; version=0.0.4');
  if (path === '/admin/release' && req.method === 'POST') {
    const { dir, revision } = JSON.parse(await body(req));
    release = { revision, app: JSON.parse(readFileSync(join(dir, 'app.json'), 'utf8')) };
    broken = false;
    log('info', 'release loaded', { greeting: release.app.greeting });
    return send(res, 200, { loaded: revision });
  }
  if (path === '/admin/break' && req.method === 'POST') {
    broken = true;
    log('warn', 'greeting store connection lost');
    return send(res, 200, { broken });
  }
  if (path === '/api/hello') {
    const status = broken ? 500 : 200;
    requests.set(status, (requests.get(status) ?? 0) + 1);
    log(broken ? 'error' : 'info', 'GET /api/hello ' + status);
    return send(res, status, broken ? { error: 'greeting store unavailable' } : { greeting: release.app.greeting, revision: release.revision });
  }
  send(res, 404, { error: 'not found' });
}).listen(port, '127.0.0.1', () => log('info', 'listening', { port }));
process.on('SIGTERM', () => process.exit(0));
`;

// The team's deploy command: hands the exported release to the running service.
const DEPLOY = String.raw`const res = await fetch(process.env.SERVICE_URL + '/admin/release', {
  method: 'POST',
  body: JSON.stringify({ dir: process.env.FIREBREAK_RELEASE_DIR, revision: process.env.FIREBREAK_REVISION }),
});
if (!res.ok) {
  console.error('release rejected: HTTP ' + res.status + ' ' + (await res.text()));
  process.exit(1);
}
console.log('deployed ' + process.env.FIREBREAK_REF + ' (' + process.env.FIREBREAK_REVISION + ')');
`;

// The fault, the way the team's last incident went: the service loses its greeting store. Sent through the
// lab's ingress (FIREBREAK_INGRESS_URL), as any client would reach the service.
const BREAK = String.raw`const res = await fetch(process.env.FIREBREAK_INGRESS_URL + '/admin/break', { method: 'POST' });
if (!res.ok) process.exit(1);
`;

/** The example scenario of docs/drills.md ("Custom targets"), on a free port instead of 8080. */
function docsScenario(port: number): string {
  const docs = readFileSync(fileURLToPath(new URL('../../docs/drills.md', import.meta.url)), 'utf8');
  const section = docs.slice(docs.indexOf('## Custom targets'));
  const yaml = /```yaml\n([\s\S]*?)\n```/.exec(section)?.[1];
  if (!yaml?.includes('kind: custom')) throw new Error('docs/drills.md: no custom-target scenario under "## Custom targets"');
  return yaml.replaceAll('8080', String(port));
}


/** Processes anywhere on the machine whose command line or working directory is inside `dir` (orphans included). */
function processesUsing(dir: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
      const cwd = readlinkSync(`/proc/${pid}/cwd`);
      if (cmdline.includes(dir) || cwd.startsWith(dir)) found.push(`${pid}: ${cmdline}`);
    } catch {
      /* gone, or not ours to read */
    }
  }
  return found;
}

const hello = (lab: Lab): Promise<{ greeting: string; revision: string }> => getJson(`${lab.urls.ingress}/api/hello`);

describe.skipIf(!prometheusAvailable('lab custom target'))('startLab with a custom target (a team\'s own service)', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let port: number;

  beforeAll(async () => {
    tmp = await tempDir('custom-target');
    port = await getFreePort();
    await mkdir(join(tmp.dir, 'repo'));
    await writeFile(join(tmp.dir, 'repo', 'app.json'), JSON.stringify({ greeting: 'hello from v1', healthy: true }, null, 2));
    await writeFile(join(tmp.dir, 'repo', 'README.md'), '# team-api\n');
    await writeFile(join(tmp.dir, 'service.mjs'), SERVICE);
    await writeFile(join(tmp.dir, 'deploy.mjs'), DEPLOY);
    await writeFile(join(tmp.dir, 'break.mjs'), BREAK);
    await writeFile(join(tmp.dir, 'team-api-outage.yaml'), docsScenario(port));
    await writeFile(join(tmp.dir, 'crash.mjs'), "console.error('team-api: cannot read config/production.json'); process.exit(3);\n");
    // The same scenario with a start command that crashes at once.
    await writeFile(join(tmp.dir, 'team-api-crash.yaml'), docsScenario(port).replace('name: team-api-outage', 'name: team-api-crash').replace('args: [service.mjs]', 'args: [crash.mjs]'));
  });
  afterAll(() => tmp?.cleanup());

  it('serves it through the ingress, scrapes it, deploys and rolls it back, breaks it and sees the alert; stop leaves nothing', async () => {
    const scenario = await loadScenarioFile(join(tmp.dir, 'team-api-outage.yaml'));
    const before = new Set(descendants());
    const lab = await startLab(scenario, { logger: pino({ level: 'silent' }), handleSignals: false });
    const labProcesses = descendants().filter((p) => !before.has(p));
    const health = await getJson<{ pid: number }>(`http://127.0.0.1:${port}/healthz`);
    let tools: ToolHost | undefined;
    try {
      // The lab started the service (its `start` command) and deployed main through the team's deploy command.
      expect(labProcesses).toContain(health.pid);
      const [first] = lab.rollouts();
      expect(lab.rollouts()).toHaveLength(1);
      expect(first).toMatchObject({ kind: 'deploy', trigger: 'lab', ref: 'main', outcome: 'succeeded' });
      const v1 = first!.revision;
      expect(await hello(lab)).toEqual({ greeting: 'hello from v1', revision: v1 });

      // Prometheus scrapes the service under its name, and the baseline load reaches it through the ingress.
      await waitUntil('team-api scraped with traffic', async () => ((await lab.prometheus.queryValue('sum(app_requests_total{job="team-api",status="200"})')) ?? 0) > 0, { timeoutMs: 20_000, intervalMs: 500 });
      expect(await lab.prometheus.queryValue('up{job="team-api"}')).toBe(1);
      expect((await lab.prometheus.queryVector('app_build_info{job="team-api"}'))[0]?.metric.revision).toBe(v1);
      const baseline = await lab.waitForSlos({ holdSeconds: 2, timeoutMs: 30_000 });
      expect(baseline.ok).toBe(true);

      // What personas get: the grafana server over the service's metrics and logs, the deploy server over its deployer.
      const { grafana, github, deploy } = lab.mcpServers;
      tools = await connectTools({ mcpServers: { grafana, deploy } as Record<string, ServerEntry> });
      const call = async (name: string, args: Record<string, unknown>): Promise<Record<string, unknown>> => {
        const result = await tools!.call(name, args);
        expect(result.isError, `${name}: ${resultText(result)}`).toBeFalsy();
        return result.structuredContent as Record<string, unknown>;
      };
      const logs = await call('grafana.query_loki_logs', { logql: '{job="team-api"} |= "GET /api/hello 200"', startRfc3339: 'now-5m', limit: 3 });
      expect((logs.data as unknown[]).length).toBeGreaterThan(0);
      const scraped = await call('grafana.query_prometheus', { expr: 'up{job="team-api"}', queryType: 'instant', startTime: 'now' });
      expect(JSON.stringify(scraped)).toContain('team-api');

      // New refs on the forge, pushed as a person would (REST API, the lab's token).
      const token = 'env' in github! ? github.env.GITHUB_PERSONAL_ACCESS_TOKEN : undefined;
      const branch = async (name: string, app: unknown): Promise<string> => {
        const api = `${lab.urls.forge}/repos/acme/team-api`;
        const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
        const created = await fetch(`${api}/git/refs`, { method: 'POST', headers, body: JSON.stringify({ ref: `refs/heads/${name}`, sha: v1 }) });
        expect(created.status, await created.clone().text()).toBe(201);
        const file = (await (await fetch(`${api}/contents/app.json?ref=${name}`, { headers })).json()) as { sha: string };
        const put = await fetch(`${api}/contents/app.json`, { method: 'PUT', headers, body: JSON.stringify({ message: `app: ${name}`, content: Buffer.from(JSON.stringify(app)).toString('base64'), branch: name, sha: file.sha }) });
        expect(put.status, await put.clone().text()).toBe(200);
        return ((await put.json()) as { commit: { sha: string } }).commit.sha;
      };
      const v2 = await branch('v2', { greeting: 'hello from v2', healthy: true });
      const bad = await branch('unhealthy', { greeting: 'hello from a broken build', healthy: false });

      // Deploy v2 through the deploy tool: the team's command ran, the ingress serves it, Prometheus sees it.
      const deployed = await call('deploy.deploy_service', { ref: 'v2', reason: 'ship v2' });
      expect(deployed.rollout).toMatchObject({ kind: 'deploy', triggeredBy: 'deploy-tool', ref: 'v2', revision: v2, outcome: 'succeeded' });
      expect(await hello(lab)).toEqual({ greeting: 'hello from v2', revision: v2 });
      await waitUntil('Prometheus scraping v2', async () => (await lab.prometheus.queryVector('app_build_info{job="team-api"}'))[0]?.metric.revision === v2, { timeoutMs: 15_000, intervalMs: 500 });

      // A release that fails its health check is a failed rollout; a rollback returns to the last healthy one.
      const failed = await lab.deployer.deploy('unhealthy', { reason: 'ship a broken build' });
      expect(failed).toMatchObject({ revision: bad, outcome: 'failed' });
      expect(failed.error).toMatch(/health check failed: HTTP 503/);
      const rolledBack = await call('deploy.rollback', { reason: 'the broken build is unhealthy' });
      expect(rolledBack.rollout).toMatchObject({ kind: 'rollback', revision: v2, outcome: 'succeeded' });
      expect(await hello(lab)).toEqual({ greeting: 'hello from v2', revision: v2 });
      const status = await call('deploy.rollout_status', {});
      expect(status.current).toMatchObject({ revision: v2, state: 'running' });

      // The scenario's command fault breaks it; the alert over the ingress metrics fires; a redeploy heals it.
      await lab.inject();
      const alert = await lab.waitForAlert({ timeoutMs: 45_000 });
      expect(alert.labels).toMatchObject({ alertname: 'HelloErrorRateHigh' });
      expect((await lab.checkSlos()).ok).toBe(false);
      await call('deploy.deploy_service', { ref: 'v2', reason: 'reconnect the greeting store' });
      const recovered = await lab.waitForSlos({ timeoutMs: 45_000 });
      expect(recovered.ok).toBe(true);
      expect(lab.rollouts().map((r) => [r.kind, r.revision, r.outcome])).toEqual([
        ['deploy', v1, 'succeeded'],
        ['deploy', v2, 'succeeded'],
        ['deploy', bad, 'failed'],
        ['rollback', v2, 'succeeded'],
        ['deploy', v2, 'succeeded'],
      ]);
    } finally {
      await tools?.close();
      await lab.stop();
    }
    // Nothing left: the service, Prometheus, the load generator — nor anything else started in the temp dirs.
    await expect.poll(() => descendants().filter((p) => labProcesses.includes(p)), { timeout: 10_000 }).toEqual([]);
    expect(processesUsing(tmp.dir)).toEqual([]);
    expect(processesUsing(lab.workDir)).toEqual([]);
    expect(existsSync(lab.workDir)).toBe(false);
    await expect(fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(2_000) })).rejects.toThrow();
  }, 240_000);

  it('a start command that crashes fails the start at once, naming its exit and stderr, and leaves nothing', async () => {
    const scenario = await loadScenarioFile(join(tmp.dir, 'team-api-crash.yaml'));
    const before = new Set(descendants());
    const started = Date.now();
    const err = await startLab(scenario, { logger: pino({ level: 'silent' }), handleSignals: false }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LabStartError);
    expect((err as LabStartError).part).toBe('target');
    expect((err as Error).message).toMatch(/team-api did not become healthy at http:\/\/127\.0\.0\.1:\d+\/healthz: its start command exited with code 3 before it was healthy\n[\s\S]*cannot read config\/production\.json/);
    // Not after start.timeoutMs (120 s by default) of health checks against a process that is gone.
    expect(Date.now() - started).toBeLessThan(20_000);
    await expect.poll(() => descendants().filter((p) => !before.has(p)), { timeout: 10_000 }).toEqual([]);
    expect(processesUsing(tmp.dir)).toEqual([]);
  }, 180_000);
});
