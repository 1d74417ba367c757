import { constants } from 'node:fs';
import { access, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { getFreePort } from '../../src/lab/ports.js';
import { spawnChild, type ChildHandle } from '../../src/lab/process.js';

/** Debian's prometheus-alertmanager (scripts/setup.sh and .ci/run install it). */
export const ALERTMANAGER_BIN = process.env.FIREBREAK_ALERTMANAGER_BIN ?? '/usr/bin/prometheus-alertmanager';

/**
 * True when the Alertmanager binary is installed. Missing: fails when FIREBREAK_REQUIRE_SERVICES=1 (CI),
 * otherwise prints why the suite is skipped and returns false.
 */
export async function alertmanagerOrSkip(suite: string): Promise<boolean> {
  try {
    await access(ALERTMANAGER_BIN, constants.X_OK);
    return true;
  } catch {
    const message = `${suite}: ${ALERTMANAGER_BIN} is not installed (apt-get install prometheus-alertmanager)`;
    if (process.env.FIREBREAK_REQUIRE_SERVICES === '1') throw new Error(`${message} and FIREBREAK_REQUIRE_SERVICES=1`);
    process.stderr.write(`[skip] ${message}; set FIREBREAK_REQUIRE_SERVICES=1 to make this a failure\n`);
    return false;
  }
}

export interface Alertmanager {
  readonly url: string;
  readonly hostPort: string;
  stop(): Promise<void>;
}

/**
 * Starts the real Alertmanager on 127.0.0.1 with `configYaml`, clustering off (a lone test instance must not
 * gossip), its state in `dir`, and waits for /-/ready.
 */
export async function startAlertmanager(dir: string, configYaml: string): Promise<Alertmanager> {
  await mkdir(join(dir, 'alertmanager-data'), { recursive: true });
  const config = join(dir, 'alertmanager.yml');
  await writeFile(config, configYaml);
  const port = await getFreePort();
  const child: ChildHandle = await spawnChild({
    name: 'alertmanager',
    command: ALERTMANAGER_BIN,
    waitFor: 'spawn',
    cwd: dir,
    args: [`--config.file=${config}`, `--storage.path=${join(dir, 'alertmanager-data')}`, `--web.listen-address=127.0.0.1:${port}`, '--cluster.listen-address=', '--log.level=info'],
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitInfo()) throw new Error(`alertmanager exited before it was ready:\n${child.stderr()}`);
    try {
      if ((await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1_000) })).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await child.stop();
      throw new Error(`alertmanager not ready within 30 s:\n${child.stderr()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url, hostPort: `127.0.0.1:${port}`, stop: async () => void (await child.stop()) };
}
