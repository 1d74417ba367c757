import { constants } from 'node:fs';
import { access, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { getFreePort } from '../ports.js';
import { ChildStartError, spawnChild, type ChildHandle } from '../process.js';
import { PrometheusApi } from './api.js';
import { alertRuleSchema, renderPrometheusConfig, renderRules, renderTargets, scrapeJobSchema, targetsFile, validate, writeAtomic, type AlertRule, type AlertRuleInput, type ScrapeJob, type ScrapeJobInput } from './config.js';
import { PrometheusNotInstalledError, PrometheusStartError } from './errors.js';

export const DEFAULT_PROMETHEUS_BINARY = '/usr/bin/prometheus';

export interface StartPrometheusOptions {
  readonly jobs?: readonly ScrapeJobInput[];
  readonly rules?: readonly AlertRuleInput[];
  /** Default 1000 (the lab compresses time). */
  readonly scrapeIntervalMs?: number;
  readonly evaluationIntervalMs?: number;
  /** Default: FIREBREAK_PROMETHEUS_BIN or /usr/bin/prometheus. */
  readonly binary?: string;
  readonly readyTimeoutMs?: number;
  /** Alertmanagers (host:port or URL) Prometheus sends its alerts to; default none. */
  readonly alertmanagers?: readonly string[];
}

/** A running Prometheus: its HTTP API plus control over targets and rules. */
export interface PrometheusServer extends PrometheusApi {
  readonly url: string;
  readonly port: number;
  /** Temp dir with prometheus.yml, rules.yml, targets/ and the TSDB; removed by stop(). */
  readonly dir: string;
  /**
   * Replaces a job's targets (file_sd), adding the job (and reloading) if new. Gotcha: Prometheus' discovery
   * manager forwards target changes at most every 5 s, so the first scrape of a new target (also right
   * after start) comes ~5 s later — use waitForTargetsUp() before relying on its series.
   */
  setTargets(job: string, targets: readonly string[], labels?: Readonly<Record<string, string>>): Promise<void>;
  /** Replaces the alerting rules and reloads. */
  setRules(rules: readonly AlertRuleInput[]): Promise<void>;
  /** Resolves when every active target of `job` (or of all jobs) reports health "up"; throws after timeoutMs. */
  waitForTargetsUp(options?: { job?: string; timeoutMs?: number }): Promise<void>;
  /** SIGTERM (SIGKILL after 5 s) and removal of the temp dir. Idempotent. */
  stop(): Promise<void>;
}

const optionsSchema = z.strictObject({
  scrapeIntervalMs: z.number().int().min(100).max(60_000).default(1_000),
  evaluationIntervalMs: z.number().int().min(100).max(60_000).default(1_000),
});

/** Throws `PrometheusNotInstalledError` unless `binary` exists and is executable. */
export async function assertPrometheusInstalled(binary = process.env.FIREBREAK_PROMETHEUS_BIN ?? DEFAULT_PROMETHEUS_BINARY): Promise<string> {
  try {
    await access(binary, constants.X_OK);
  } catch {
    throw new PrometheusNotInstalledError(binary);
  }
  return binary;
}

class LabPrometheus extends PrometheusApi implements PrometheusServer {
  private stopped: Promise<void> | undefined;

  constructor(
    readonly url: string,
    readonly port: number,
    readonly dir: string,
    private readonly child: ChildHandle,
    private jobs: ScrapeJob[],
    private readonly intervals: { scrapeIntervalMs: number; evaluationIntervalMs: number; alertmanagers?: readonly string[] },
  ) {
    super(url);
  }

  async setTargets(job: string, targets: readonly string[], labels: Readonly<Record<string, string>> = {}): Promise<void> {
    const next = validate(scrapeJobSchema, { ...this.jobs.find((j) => j.job === job), job, targets: [...targets], labels }, 'jobs');
    const isNew = !this.jobs.some((j) => j.job === job);
    this.jobs = [...this.jobs.filter((j) => j.job !== job), next];
    await writeAtomic(join(this.dir, targetsFile(job)), renderTargets(next));
    if (isNew) {
      await writeAtomic(join(this.dir, 'prometheus.yml'), renderPrometheusConfig(this.jobs, this.intervals));
      await this.reload();
    }
  }

  async setRules(rules: readonly AlertRuleInput[]): Promise<void> {
    const parsed = rules.map((r, i) => validate(alertRuleSchema, r, `rules.${i}`));
    await writeAtomic(join(this.dir, 'rules.yml'), renderRules(parsed));
    await this.reload();
  }

  async waitForTargetsUp(options: { job?: string; timeoutMs?: number } = {}): Promise<void> {
    const deadline = Date.now() + (options.timeoutMs ?? 15_000);
    let last = 'no active targets yet';
    while (Date.now() < deadline) {
      const targets = (await this.targets()).filter((t) => options.job === undefined || t.labels.job === options.job);
      if (targets.length > 0 && targets.every((t) => t.health === 'up')) return;
      last = targets.length ? targets.map((t) => `${t.scrapeUrl}: ${t.health}${t.lastError ? ` (${t.lastError})` : ''}`).join(', ') : last;
      await sleep(250);
    }
    throw new PrometheusStartError(`scrape targets${options.job ? ` of job ${options.job}` : ''} not up: ${last}`, this.child.stderr().slice(-4000));
  }

  stop(): Promise<void> {
    this.stopped ??= (async () => {
      await this.child.stop();
      await rm(this.dir, { recursive: true, force: true });
    })();
    return this.stopped;
  }

  private async reload(): Promise<void> {
    const res = await fetch(new URL('/-/reload', this.url), { method: 'POST', signal: AbortSignal.timeout(10_000) });
    if (!res.ok) throw new PrometheusStartError(`reload failed: HTTP ${res.status} ${await res.text()}`, this.child.stderr().slice(-4000));
  }
}

async function waitReady(url: string, child: ChildHandle, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitInfo()) throw new PrometheusStartError(`prometheus exited (code ${child.exitInfo()?.code}) before it was ready`, child.stderr());
    try {
      const res = await fetch(new URL('/-/ready', url), { signal: AbortSignal.timeout(1_000) });
      if (res.ok) return;
    } catch {
      /* not listening yet */
    }
    await sleep(100);
  }
  throw new PrometheusStartError(`prometheus not ready within ${timeoutMs} ms`, child.stderr());
}

/**
 * Starts the real Prometheus binary on 127.0.0.1 with a free port, a generated config (scrape and
 * evaluation every second, one file_sd job per entry of `jobs`), the alerting `rules` and a temp TSDB,
 * and waits for `/-/ready`. The lifecycle API is on, so targets and rules can change while it runs.
 * Start it before the things it scrapes: its first scrape of any target comes ~5 s after start.
 *
 * Throws `PrometheusNotInstalledError` (which says `apt-get install prometheus`) when the binary is
 * missing, `PrometheusConfigError` for invalid jobs/rules, `PrometheusStartError` with its log otherwise.
 * Always call stop(): it kills the process and removes the temp dir (the process also dies with ours).
 */
export async function startPrometheus(options: StartPrometheusOptions = {}): Promise<PrometheusServer> {
  const binary = await assertPrometheusInstalled(options.binary);
  const intervals = {
    ...validate(optionsSchema, { scrapeIntervalMs: options.scrapeIntervalMs, evaluationIntervalMs: options.evaluationIntervalMs }, 'options'),
    ...(options.alertmanagers?.length ? { alertmanagers: [...options.alertmanagers] } : {}),
  };
  const jobs = (options.jobs ?? []).map((j, i) => validate(scrapeJobSchema, j, `jobs.${i}`));
  const rules: AlertRule[] = (options.rules ?? []).map((r, i) => validate(alertRuleSchema, r, `rules.${i}`));

  const dir = await mkdtemp(join(tmpdir(), 'firebreak-prometheus-'));
  try {
    await mkdir(join(dir, 'targets'));
    await writeFile(join(dir, 'prometheus.yml'), renderPrometheusConfig(jobs, intervals));
    await writeFile(join(dir, 'rules.yml'), renderRules(rules));
    for (const job of jobs) await writeFile(join(dir, targetsFile(job.job)), renderTargets(job));

    // getFreePort can race with another process grabbing the port: retry a few times on bind failures.
    for (let attempt = 1; ; attempt++) {
      const port = await getFreePort();
      const url = `http://127.0.0.1:${port}`;
      let child: ChildHandle;
      try {
        child = await spawnChild({
          name: 'prometheus',
          command: binary,
          cwd: dir,
          waitFor: 'spawn',
          args: [
            `--config.file=${join(dir, 'prometheus.yml')}`,
            `--storage.tsdb.path=${join(dir, 'data')}`,
            '--storage.tsdb.retention.time=1d',
            `--web.listen-address=127.0.0.1:${port}`,
            '--web.enable-lifecycle',
            '--log.level=info',
          ],
        });
      } catch (err) {
        if (err instanceof ChildStartError) throw new PrometheusStartError(err.message, err.stderrTail);
        throw err;
      }
      try {
        await waitReady(url, child, options.readyTimeoutMs ?? 30_000);
        return new LabPrometheus(url, port, dir, child, jobs, intervals);
      } catch (err) {
        await child.stop({ signal: 'SIGKILL' });
        const inUse = /address already in use/i.test(child.stderr());
        if (!inUse || attempt >= 3) throw err;
      }
    }
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}
