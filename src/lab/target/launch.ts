import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { distEntry, spawnChild, type ChildHandle } from '../process.js';
import type { ServiceConfigInput } from './config.js';
import { ENVIRONMENT_ENV, PROVIDES_ENV, type LabEnvironment, type LabProvides } from './startup.js';

export interface LaunchTargetOptions {
  /** A config object (written to `<workDir>/service.config.json`) or the path of an existing config file. */
  readonly config: ServiceConfigInput | string;
  /** Directory for the config file, the log and the data dir (created if missing). */
  readonly workDir: string;
  /** What the environment provides (name -> URL); passed as FIREBREAK_LAB_PROVIDES. */
  readonly provides?: LabProvides;
  /** The platform's environment fields (query, task, saga step durations); passed as FIREBREAK_LAB_ENVIRONMENT. */
  readonly environment?: LabEnvironment;
  /** Overrides `service.revision` (the deployer passes the commit sha). */
  readonly revision?: string;
  /** Default 0 (any free port). A redeploy may pass the previous port to keep scrape targets stable. */
  readonly port?: number;
  /** Default `<workDir>/target.log`; appended to across restarts, like a log shipper's file. */
  readonly logFile?: string;
  /** Default `<workDir>/data` (holds sagas.db, kept across restarts). */
  readonly dataDir?: string;
  readonly readyTimeoutMs?: number;
}

/** A running target service child process. */
export interface TargetHandle {
  readonly url: string;
  readonly port: number;
  readonly child: ChildHandle;
  readonly configFile: string;
  readonly logFile: string;
  readonly dataDir: string;
  /** Graceful stop (SIGTERM, SIGKILL after 5 s). */
  stop(): Promise<void>;
}

/**
 * Starts `node dist/lab/target/main.js` as a child process and waits for it to listen. Rejects with
 * `ChildStartError` carrying its stderr when it exits first — a bad config (exit 78) or a missing startup
 * dependency (exit 1, the bad-deploy crash) — so a deployer can report exactly why the release failed.
 */
export async function launchTarget(options: LaunchTargetOptions): Promise<TargetHandle> {
  await mkdir(options.workDir, { recursive: true });
  const dataDir = options.dataDir ?? join(options.workDir, 'data');
  await mkdir(dataDir, { recursive: true });
  const logFile = options.logFile ?? join(options.workDir, 'target.log');
  let configFile: string;
  if (typeof options.config === 'string') {
    configFile = options.config;
  } else {
    configFile = join(options.workDir, 'service.config.json');
    await writeFile(configFile, `${JSON.stringify(options.config, null, 2)}\n`);
  }
  const args = [distEntry('lab/target/main.js'), '--config', configFile, '--port', String(options.port ?? 0), '--log', logFile, '--data', dataDir];
  if (options.revision !== undefined) args.push('--revision', options.revision);
  const child = await spawnChild({
    name: 'target',
    args,
    env: { [PROVIDES_ENV]: JSON.stringify(options.provides ?? {}), ...(options.environment ? { [ENVIRONMENT_ENV]: JSON.stringify(options.environment) } : {}) },
    readyTimeoutMs: options.readyTimeoutMs,
  });
  const port = child.port as number;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    child,
    configFile,
    logFile,
    dataDir,
    stop: async () => {
      await child.stop();
    },
  };
}
