import { distEntry, spawnChild, type ChildHandle } from '../process.js';
import type { DependencyState } from './behaviour.js';
import type { DependencyOptionsInput } from './config.js';

export interface LaunchDependencyOptions extends DependencyOptionsInput {
  /** JSON log lines (brownouts) go here; stderr when omitted. */
  readonly logFile?: string;
  readonly port?: number;
}

/** A running lab dependency child process, with its admin API wrapped. */
export interface DependencyHandle {
  readonly url: string;
  readonly port: number;
  readonly child: ChildHandle;
  /** Injects an outage of `durationMs` (POST /admin/fail). */
  fail(durationMs: number): Promise<DependencyState>;
  state(): Promise<DependencyState>;
  stop(): Promise<void>;
}

async function admin(url: string, path: string, init?: RequestInit): Promise<DependencyState> {
  const res = await fetch(new URL(path, url), { ...init, signal: AbortSignal.timeout(5_000) });
  const text = await res.text();
  if (!res.ok) throw new Error(`dependency ${path} answered ${res.status}: ${text}`);
  return JSON.parse(text) as DependencyState;
}

/**
 * Starts `node dist/lab/dependency/main.js` as a child process (the drill's outbound dependency) and waits
 * for it to listen. Give its `url` to the target through `provides` under the dependency's name.
 */
export async function launchDependency(options: LaunchDependencyOptions = {}): Promise<DependencyHandle> {
  const args = [distEntry('lab/dependency/main.js'), '--port', String(options.port ?? 0)];
  if (options.name !== undefined) args.push('--name', options.name);
  if (options.capacity !== undefined) args.push('--capacity', String(options.capacity));
  if (options.queueLimit !== undefined) args.push('--queue-limit', String(options.queueLimit));
  if (options.serviceMs !== undefined) args.push('--service-ms', String(options.serviceMs));
  if (options.brownoutMs !== undefined) args.push('--brownout-ms', String(options.brownoutMs));
  if (options.logFile !== undefined) args.push('--log', options.logFile);
  const child = await spawnChild({ name: 'dependency', args });
  const port = child.port as number;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    port,
    child,
    fail: (durationMs) => admin(url, '/admin/fail', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ durationMs }) }),
    state: () => admin(url, '/admin/state'),
    stop: async () => {
      await child.stop();
    },
  };
}
