// A small, real incident world for workflow tests: a git forge (GitHub REST over a real repository), real
// Prometheus scraping the simulated service, the service's log file, a sandbox workspace (a clone), and the
// lab's command deployer behind its real `deploy` MCP server over Streamable HTTP. The MCP servers are the
// built-in ones (grafana, github, sandbox) — in-process over in-memory transports, or as `firebreak tools`
// stdio processes for child-process tests.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { pino } from 'pino';
import { createCommandDeployer } from '../../../src/lab/deployer/command-deployer.js';
import { createDeployerServer } from '../../../src/lab/deployer/server.js';
import type { Forge } from '../../../src/lab/forge/index.js';
import { startScratchForge } from '../../../src/lab/forge/scratch.js';
import { startPrometheus, type PrometheusServer } from '../../../src/lab/prometheus/server.js';
import { repoTemplateFiles } from '../../../src/lab/repo-template/index.js';
import { createGithubServer } from '../../../src/tools/servers/github/index.js';
import { createGrafanaServer } from '../../../src/tools/servers/grafana/index.js';
import { createSandboxServer, openSandbox } from '../../../src/tools/servers/sandbox/index.js';
import { serveHttp, type HttpServerHandle } from '../../../src/tools/servers/serve.js';
import { mergeConfig } from '../../../src/lab/lab-faults.js';
import { SimService } from './sim-service.js';

const exec = promisify(execFile);
const GIT_ENV = { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1', GIT_TERMINAL_PROMPT: '0' };
export const OWNER = 'acme';
export const SERVICE = 'sim-api';
const TOKEN = 'ghp_' + 'T'.repeat(36);

/** The pool-exhaustion scenario's starting config (seed 004): only the pool rules of the config tests fail. */
export const INITIAL_CONFIG = {
  service: { name: SERVICE, version: '1.4.2' },
  pool: { size: 10, acquireTimeoutMs: 2400, maxWaiters: null },
  workers: { concurrency: 8, taskTimeoutMs: 1000, maxQueueDepth: 500 },
  sagas: { recovery: { enabled: true, staleAfterMs: 5000, maxRetries: 3 } },
  startup: { requires: ['payments-db'] },
};

export interface World {
  dir: string;
  sim: SimService;
  forge: Forge;
  prometheus: PrometheusServer;
  deployer: ReturnType<typeof createCommandDeployer>;
  deployServer: HttpServerHandle;
  logFile: string;
  workspace: string;
  /** In-process servers for connectTools (fast). */
  mcpServers(): Record<string, unknown>;
  /** The same servers as `node dist/cli/main.js tools <name>` processes (for child-process tests). */
  stdioServers(): Record<string, unknown>;
  /** The first commit of main: the incident-prone configuration. */
  initialSha: string;
  /** Back to the incident: main at its first commit, that release deployed, traffic tripled (or `load`), no maintenance. */
  reset(opts?: { load?: number }): Promise<void>;
  /**
   * A team's release: `config` merged over main's service.config.json, committed to main and deployed by the
   * release pipeline (not the deploy tool). Returns the release's revision.
   */
  release(config: Record<string, unknown>, message: string): Promise<string>;
  /** The forge's REST API, authenticated. */
  api(path: string, init?: RequestInit): Promise<unknown>;
  stop(): Promise<void>;
}

export async function startWorld(): Promise<World> {
  const dir = await mkdtemp(join(tmpdir(), 'firebreak-wf-'));
  const logFile = join(dir, `${SERVICE}.log`);
  await writeFile(logFile, '');
  const provides = ['payments-db'];
  const sim = new SimService(SERVICE, logFile, provides);
  // Tripled traffic from the start: every test's incident window then sees the load that caused it.
  sim.load = 3;
  await sim.start();
  const stops: (() => Promise<unknown>)[] = [() => sim.stop(), () => rm(dir, { recursive: true, force: true })];
  const stop = async (): Promise<void> => {
    for (const s of stops.reverse()) await s().catch(() => undefined);
  };
  try {
    const forge = await startScratchForge({ owner: OWNER, repo: SERVICE, token: TOKEN, files: repoTemplateFiles({ config: INITIAL_CONFIG, provides, owner: OWNER, repo: SERVICE }) });
    stops.push(() => forge.stop());
    const initialSha = (await exec('git', ['-C', forge.repoDir, 'rev-parse', 'refs/heads/main'], { env: GIT_ENV })).stdout.trim();
    const workspace = join(dir, 'workspace');
    await exec('git', ['clone', '--quiet', forge.repoDir, workspace], { env: GIT_ENV });

    const hook = join(dir, 'deploy-hook.mjs');
    await writeFile(hook, "import { readFileSync } from 'node:fs';\nconst body = readFileSync(process.env.FIREBREAK_RELEASE_DIR + '/service.config.json', 'utf8');\nconst res = await fetch(process.env.SIM_URL + '/admin/config', { method: 'POST', body });\nif (!res.ok) process.exit(1);\n");
    // A fresh deployer per reset: each test's incident starts from a first deploy, so the previous test's
    // rollouts are not "what changed" before this one (change awareness would rightly suspect them). The deploy
    // MCP server stays at one URL: each new session talks to the current deployer.
    let generation = 0;
    const freshDeployer = async (ref: string): Promise<ReturnType<typeof createCommandDeployer>> => {
      const releasesDir = join(dir, `releases-${++generation}`);
      await mkdir(releasesDir);
      const d = createCommandDeployer({
        repoDir: forge.repoDir, releasesDir, serviceName: SERVICE, healthUrl: `${sim.url}/healthz`, logFile,
        deploy: { command: process.execPath, args: [hook], env: { SIM_URL: sim.url }, timeoutMs: 15_000 },
        maintenance: sim, logger: pino({ level: 'silent' }), healthTimeoutMs: 2_000,
      });
      await d.deploy(ref, { trigger: 'lab' });
      return d;
    };
    let deployer = await freshDeployer('main');
    const deployServer = await serveHttp(() => createDeployerServer(deployer));
    stops.push(async () => {
      await deployServer.close();
      await deployer.stop();
    });

    const prometheus = await startPrometheus({ jobs: [{ job: SERVICE, targets: [sim.hostPort] }] });
    stops.push(() => prometheus.stop());
    await prometheus.waitForTargetsUp({ job: SERVICE, timeoutMs: 20_000 });
    // A few seconds of history first: rates over a window older than the data would read low (Little's law).
    await settle(8_000);

    const forgeApi = async (path: string, init: RequestInit = {}): Promise<unknown> => {
      const res = await fetch(`${forge.url}/repos/${OWNER}/${SERVICE}${path}`, { ...init, headers: { authorization: `Bearer ${TOKEN}`, accept: 'application/vnd.github+json', 'content-type': 'application/json' } });
      if (!res.ok) throw new Error(`forge ${path}: HTTP ${res.status} ${await res.text()}`);
      return res.status === 204 ? undefined : res.json();
    };
    const sandbox = await openSandbox({ workspace, isolation: 'bwrap' }, { logger: pino({ level: 'silent' }) });
    const cli = join(process.cwd(), 'dist', 'cli', 'main.js');
    return {
      dir, sim, forge, prometheus, logFile, workspace, initialSha,
      get deployer() {
        return deployer;
      },
      deployServer,
      async reset(opts = {}) {
        sim.load = opts.load ?? 3;
        await exec('git', ['-C', forge.repoDir, 'update-ref', 'refs/heads/main', initialSha], { env: GIT_ENV });
        await deployer.stop();
        deployer = await freshDeployer(initialSha);
        sim.setMaintenance(false);
        sim.unexplainedErrors = 0;
        sim.databaseMaxConnections = Number.POSITIVE_INFINITY;
        sim.errorDetail = undefined;
        sim.failNextDeploys = 0;
      },
      async release(config, message) {
        const file = (await forgeApi('/contents/service.config.json?ref=main')) as { sha: string; content: string };
        const current = JSON.parse(Buffer.from(file.content, 'base64').toString('utf8')) as Record<string, unknown>;
        const merged = mergeConfig(current, config);
        const put = (await forgeApi('/contents/service.config.json', { method: 'PUT', body: JSON.stringify({ message, branch: 'main', sha: file.sha, content: Buffer.from(`${JSON.stringify(merged, null, 2)}\n`).toString('base64') }) })) as { commit: { sha: string } };
        await deployer.deploy(put.commit.sha, { trigger: 'lab', reason: message });
        return put.commit.sha;
      },
      mcpServers: () => ({
        grafana: { server: () => createGrafanaServer({ prometheusUrl: prometheus.url, logFiles: [{ name: SERVICE, path: logFile }] }) },
        github: { server: () => createGithubServer({ apiUrl: forge.url, token: TOKEN }) },
        sandbox: { server: () => createSandboxServer({ sandbox }) },
        deploy: { type: 'http', url: deployServer.url },
      }),
      stdioServers: () => ({
        grafana: { command: process.execPath, args: [cli, 'tools', 'grafana'], env: { PROMETHEUS_URL: prometheus.url, LOG_FILES: `${SERVICE}=${logFile}` } },
        github: { command: process.execPath, args: [cli, 'tools', 'github', '--api-url', forge.url], env: { GITHUB_PERSONAL_ACCESS_TOKEN: TOKEN } },
        sandbox: { command: process.execPath, args: [cli, 'tools', 'sandbox', '--workspace', workspace, '--isolation', 'bwrap', '--timeout-ms', '60000'], env: {} },
        deploy: { type: 'http', url: deployServer.url },
      }),
      api: forgeApi,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** An alert as Prometheus' /api/v1/alerts shows it, for the simulated service. */
export function poolAlert(severity: string | null = 'critical', startedSecondsAgo = 20): Record<string, unknown> {
  return {
    labels: { alertname: 'APIErrorRateHigh', service: SERVICE, job: SERVICE, endpoint: '/api/workflows/execute', ...(severity ? { severity } : {}) },
    annotations: { summary: 'API error rate above 5% on /api/workflows/execute', description: 'Error ratio is 15% on sim-api.' },
    state: 'firing',
    activeAt: new Date(Date.now() - startedSecondsAgo * 1000).toISOString(),
    value: '1.5e-01',
  };
}

/** Fast verification for tests: rates over 4 s, hold 3 s, give up after 25 s. */
export const FAST_VERIFICATION = { window: '4s', holdSeconds: 3, deadlineSeconds: 25, intervalSeconds: 0.5 } as const;

/** Waits until Prometheus has seen the simulated service in `mode` for a few scrapes. */
export async function settle(ms = 4_000): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}
