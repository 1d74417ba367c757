import { accessSync, constants } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DEFAULT_PROMETHEUS_BINARY } from '../../../src/lab/prometheus/server.js';

/** A fresh temp dir and its cleanup; call cleanup in afterAll/afterEach. */
export async function tempDir(prefix: string): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), `firebreak-${prefix}-`));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Polls `probe` until it returns a value other than undefined/false; throws with `what` after timeoutMs. */
export async function waitUntil<T>(what: string, probe: () => Promise<T | undefined | false> | T | undefined | false, options: { timeoutMs?: number; intervalMs?: number } = {}): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (err) {
      lastError = err;
    }
    await sleep(options.intervalMs ?? 100);
  }
  throw new Error(`timed out waiting for ${what}${lastError ? `: ${(lastError as Error).message}` : ''}`);
}

/** JSON log lines of a pino file (unparseable lines are skipped). */
export async function readLogLines(file: string): Promise<Record<string, unknown>[]> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .flatMap((l) => {
      try {
        return [JSON.parse(l) as Record<string, unknown>];
      } catch {
        return [];
      }
    });
}

/**
 * True when the Prometheus binary the lab would use is installed; logs why tests skip otherwise, and fails
 * the file instead when FIREBREAK_REQUIRE_SERVICES=1 (CI: a missing binary must not pass as a skip).
 */
export function prometheusAvailable(suite: string): boolean {
  const binary = process.env.FIREBREAK_PROMETHEUS_BIN ?? DEFAULT_PROMETHEUS_BINARY;
  try {
    accessSync(binary, constants.X_OK);
    return true;
  } catch {
    if (process.env.FIREBREAK_REQUIRE_SERVICES === '1') throw new Error(`${suite}: prometheus binary not found at ${binary} and FIREBREAK_REQUIRE_SERVICES=1`);
    console.warn(`[${suite}] SKIPPED: prometheus binary not found at ${binary} — install it with \`apt-get install prometheus\` (CI installs it)`);
    return false;
  }
}

/** GETs a JSON document. */
export async function getJson<T = Record<string, unknown>>(url: string): Promise<T> {
  const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  if (!res.ok) throw new Error(`GET ${url} answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as T;
}

/** POSTs JSON and returns status + parsed body. */
export async function postJson(url: string, body: unknown = {}): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(5_000) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** Value of one sample in a Prometheus text exposition (first line matching name and labels), or undefined. */
export function metricValue(exposition: string, name: string, labels: Readonly<Record<string, string>> = {}): number | undefined {
  for (const line of exposition.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (!Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) continue;
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (!Number.isNaN(value)) return value;
  }
  return undefined;
}
