import { open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { exportRef, openRepo } from '../forge/index.js';
import { redactText } from '../../security/redact.js';
import { UnknownRefError } from './errors.js';
import type { HealthProbe, Release } from './types.js';

/**
 * Exports `ref` of the service repository into `<releasesDir>/<id>-<sha7>` — a fresh directory per
 * release, like an immutable build artifact. Throws `UnknownRefError` when the ref does not resolve.
 */
export async function exportRelease(o: { repoDir: string; releasesDir: string; ref: string; id: string }): Promise<Release> {
  if (o.ref.startsWith('-') || o.ref.trim() === '') throw new UnknownRefError(o.ref);
  const git = await openRepo(o.repoDir);
  const sha = await git.resolveCommit(o.ref);
  if (!sha) throw new UnknownRefError(o.ref);
  const dir = join(o.releasesDir, `${o.id}-${sha.slice(0, 7)}`);
  await exportRef(o.repoDir, sha, dir);
  return { id: o.id, ref: o.ref, revision: sha, version: await readVersion(join(dir, 'service.config.json')), dir, createdAt: new Date().toISOString() };
}

async function readVersion(file: string): Promise<string | undefined> {
  try {
    const config = JSON.parse(await readFile(file, 'utf8')) as { service?: { version?: unknown } };
    return typeof config.service?.version === 'string' ? config.service.version : undefined;
  } catch {
    // A missing or broken config is the service's problem to report at startup, not the exporter's.
    return undefined;
  }
}

/** GET `url` once with a short timeout: ok when it answers 2xx. Never throws. */
export async function probeHealth(url: string, timeoutMs = 2_000): Promise<HealthProbe> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      /* plain-text health endpoints are fine */
    }
    return { ok: res.ok, status: res.status, body };
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
}

/** Polls `url` until it is healthy or `timeoutMs` passes; returns the last probe. */
export async function waitHealthy(url: string, timeoutMs: number): Promise<HealthProbe> {
  const deadline = Date.now() + timeoutMs;
  let last: HealthProbe = { ok: false, error: 'not probed' };
  while (Date.now() < deadline) {
    last = await probeHealth(url, Math.min(2_000, Math.max(100, deadline - Date.now())));
    if (last.ok) return last;
    await new Promise((r) => setTimeout(r, 200));
  }
  return last;
}

/** The last `lines` lines of a (log) file, read from its end, secrets redacted; '' when unreadable. */
export async function tailFile(file: string, lines = 20, maxBytes = 16 * 1024): Promise<string> {
  let handle;
  try {
    handle = await open(file, 'r');
    const { size } = await handle.stat();
    const length = Math.min(size, maxBytes);
    const buffer = Buffer.alloc(length);
    await handle.read(buffer, 0, length, size - length);
    const text = buffer.toString('utf8').split('\n').filter((l) => l.trim() !== '');
    return redactText(text.slice(-lines).join('\n'));
  } catch {
    return '';
  } finally {
    await handle?.close();
  }
}

/** The last `lines` lines of a text (a child's stderr), secrets redacted. */
export function tailText(text: string, lines = 20): string {
  return redactText(text.split('\n').filter((l) => l.trim() !== '').slice(-lines).join('\n'));
}
