import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** One HTTP exchange with `firebreak serve`: status, headers and the parsed JSON body (or the text). */
export interface Reply {
  status: number;
  headers: Headers;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export async function http(url: string, init: { method?: string; body?: unknown; raw?: string; headers?: Record<string, string>; token?: string } = {}): Promise<Reply> {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...(init.token ? { authorization: `Bearer ${init.token}` } : {}), ...(init.headers ?? {}) };
  const res = await fetch(url, {
    method: init.method ?? (init.body !== undefined || init.raw !== undefined ? 'POST' : 'GET'),
    headers,
    ...(init.raw !== undefined ? { body: init.raw } : init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // /metrics is text
  }
  return { status: res.status, headers: res.headers, body };
}

/** An Alertmanager webhook (version 4) for `alerts`, as Debian's prometheus-alertmanager sends it. */
export function amWebhook(alerts: { fingerprint: string; status?: 'firing' | 'resolved'; labels?: Record<string, string>; summary?: string }[], groupKey = '{}:{alertname="DiskUsageHigh"}'): Record<string, unknown> {
  const status = alerts.some((a) => (a.status ?? 'firing') === 'firing') ? 'firing' : 'resolved';
  return {
    receiver: 'firebreak', status, groupKey, truncatedAlerts: 0, version: '4',
    groupLabels: { alertname: 'DiskUsageHigh' }, commonLabels: { alertname: 'DiskUsageHigh' }, commonAnnotations: {},
    externalURL: 'http://alertmanager.test:9093',
    alerts: alerts.map((a) => ({
      status: a.status ?? 'firing',
      labels: { alertname: 'DiskUsageHigh', service: 'workflows-api', severity: 'info', ...(a.labels ?? {}) },
      annotations: { summary: a.summary ?? 'Disk usage above 80% on workflows-api' },
      startsAt: '2026-06-11T10:15:00Z',
      endsAt: a.status === 'resolved' ? '2026-06-11T10:25:00Z' : '0001-01-01T00:00:00Z',
      generatorURL: 'http://prometheus.test:9090/graph',
      fingerprint: a.fingerprint,
    })),
  };
}

/** The fenced blocks of `lang` in docs/alerts.md, in order. */
export function alertsDocBlocks(lang: string): string[] {
  const md = readFileSync(fileURLToPath(new URL('../../docs/alerts.md', import.meta.url)), 'utf8');
  return [...md.matchAll(new RegExp('```' + lang + '\\n([\\s\\S]*?)\\n```', 'g'))].map((m) => m[1]!);
}

/** Polls `probe` until it returns a truthy value (or throws after `timeoutMs`). */
export async function eventually<T>(what: string, probe: () => Promise<T | false | undefined | null>, timeoutMs = 30_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** A `firebreak serve` (or `worker --config`) process: the compiled CLI, as a user runs it. */
export interface ServeProcess {
  readonly proc: ChildProcessWithoutNullStreams;
  /** From the ready line: the URL (serve) and what else it printed. */
  readonly ready: Record<string, unknown>;
  readonly url: string;
  stdout(): string;
  stderr(): string;
  readonly exited: Promise<number | string>;
  /** SIGTERM (graceful) and the exit code. */
  stop(): Promise<number | string>;
  /** SIGKILL: a crash. */
  kill(): Promise<number | string>;
}

export const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
const live = new Set<ChildProcessWithoutNullStreams>();

/** Kills every process started by startCli that is still running (call it in afterEach/afterAll). */
export function killAll(): void {
  for (const p of live) p.kill('SIGKILL');
}

/**
 * Starts `firebreak <args>` and resolves once it prints its ready line (`"event":"serve.ready"` or
 * `"event":"worker.ready"`); rejects with its output if it exits first or takes longer than `timeoutMs`.
 */
export function startCli(args: string[], opts: { cwd: string; env?: Record<string, string>; timeoutMs?: number }): Promise<ServeProcess> {
  const proc = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', CLI, ...args], {
    cwd: opts.cwd, stdio: 'pipe', env: { ...process.env, FIREBREAK_LOG_LEVEL: 'warn', ...(opts.env ?? {}) },
  });
  live.add(proc);
  let out = '';
  let err = '';
  proc.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  proc.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exited = new Promise<number | string>((resolve) => proc.once('exit', (code, signal) => {
    live.delete(proc);
    resolve(code ?? signal ?? -1);
  }));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`firebreak ${args[0]} not ready in time:\n${out}\n${err}`)), opts.timeoutMs ?? 60_000);
    const check = (): void => {
      const line = out.split('\n').find((l) => /"event":"(serve|worker)\.ready"/.test(l));
      if (!line) return;
      clearTimeout(timer);
      proc.stdout.off('data', check);
      const ready = JSON.parse(line) as Record<string, unknown>;
      resolve({
        proc, ready, url: String(ready.url ?? ''), exited,
        stdout: () => out, stderr: () => err,
        stop: async () => {
          proc.kill('SIGTERM');
          return exited;
        },
        kill: async () => {
          proc.kill('SIGKILL');
          return exited;
        },
      });
    };
    proc.stdout.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`firebreak ${args[0]} exited (${code}) before it was ready:\n${out}\n${err}`));
    });
  });
}

/** Runs `firebreak <args>` to completion: exit code and output. */
export async function runCli(args: string[], opts: { cwd: string; env?: Record<string, string>; input?: string; timeoutMs?: number }): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', CLI, ...args], {
      cwd: opts.cwd, stdio: 'pipe', env: { ...process.env, FIREBREAK_LOG_LEVEL: 'error', ...(opts.env ?? {}) },
    });
    let stdout = '';
    let stderr = '';
    proc.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    proc.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => proc.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
    proc.once('error', reject);
    proc.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : -1), stdout, stderr });
    });
    proc.stdin.end(opts.input ?? '');
  });
}
