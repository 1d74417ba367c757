import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChildReadyTimeoutError, ChildStartError, distEntry, spawnChild } from '../../src/lab/process.js';
import { parseServiceConfig } from '../../src/lab/target/config.js';
import { EXIT_CONFIG, EXIT_STARTUP, EXIT_USAGE, ServiceConfigError } from '../../src/lab/target/errors.js';
import { launchTarget } from '../../src/lab/target/launch.js';
import { scenarioPresets } from '../../src/lab/target/presets.js';
import { ENVIRONMENT_ENV, parseProvides, readEnvironment } from '../../src/lab/target/startup.js';
import { getJson, metricValue, readLogLines, tempDir, waitUntil } from './helpers/lab.js';

function configIssues(value: unknown): string[] {
  try {
    parseServiceConfig(value, 'service.config.json');
  } catch (err) {
    if (err instanceof ServiceConfigError) return [...err.issues];
    throw err;
  }
  return [];
}

async function startFailure(promise: Promise<unknown>): Promise<ChildStartError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ChildStartError);
  return err as ChildStartError;
}

describe('target service config', () => {
  it('fills the seed production defaults into an empty config', () => {
    const config = parseServiceConfig({});
    expect(config.pool).toMatchObject({ size: 10, acquireTimeoutMs: 2400 });
    expect(config.workers.taskTimeoutMs).toBeNull();
    expect(config.sagas.recovery.enabled).toBe(false);
    expect(config.dependency).toBeUndefined();
  });

  it('names every bad field, including unknown ones', () => {
    const issues = configIssues({ pool: { size: 0, sise: 50 }, dependency: { jitter: 'some' }, workers: { taskTimeoutMs: 'soon' } });
    expect(issues.some((i) => i.startsWith('pool.size:'))).toBe(true);
    expect(issues).toContain('pool.sise: unknown field');
    expect(issues.some((i) => i.startsWith('dependency.jitter:'))).toBe(true);
    expect(issues.some((i) => i.startsWith('workers.taskTimeoutMs:'))).toBe(true);
  });

  it('accepts every preset config', () => {
    for (const preset of Object.values(scenarioPresets)) {
      expect(() => parseServiceConfig(preset.broken)).not.toThrow();
      expect(() => parseServiceConfig(preset.fixed)).not.toThrow();
    }
  });

  it('parses provides as JSON or a name list and names bad entries', () => {
    expect(parseProvides('{"payments-api":"http://127.0.0.1:1"}', 'env')).toEqual({ 'payments-api': 'http://127.0.0.1:1' });
    expect(parseProvides('payments-db, redis', 'env')).toEqual({ 'payments-db': '', redis: '' });
    expect(() => parseProvides('{"bad name":""}', 'FIREBREAK_LAB_PROVIDES')).toThrow(/FIREBREAK_LAB_PROVIDES.*bad name/);
  });
});

describe('the platform environment (FIREBREAK_LAB_ENVIRONMENT)', () => {
  it('accepts only the three environment fields and names a bad one', () => {
    expect(readEnvironment({})).toEqual({});
    expect(readEnvironment({ [ENVIRONMENT_ENV]: '{"pool":{"queryLatency":{"medianMs":400}}}' })).toEqual({ pool: { queryLatency: { medianMs: 400 } } });
    expect(() => readEnvironment({ [ENVIRONMENT_ENV]: '{"pool":{"size":5}}' })).toThrow(/FIREBREAK_LAB_ENVIRONMENT.*pool\.size: unknown field/s);
    expect(() => readEnvironment({ [ENVIRONMENT_ENV]: '{' })).toThrow(/FIREBREAK_LAB_ENVIRONMENT.*not valid JSON/s);
  });

  it('sets the query time of every release that does not set it itself', async () => {
    const tmp = await tempDir('environment');
    try {
      const environment = { pool: { queryLatency: { medianMs: 40, sigma: 0 } }, workers: { taskDuration: { medianMs: 7, sigma: 0 } } };
      const fromPlatform = await launchTarget({ workDir: join(tmp.dir, 'a'), config: { observability: { accessLog: false } }, provides: { 'payments-db': '' }, environment });
      const ownValue = await launchTarget({ workDir: join(tmp.dir, 'b'), config: { pool: { queryLatency: { medianMs: 120, sigma: 0 } } }, provides: { 'payments-db': '' }, environment });
      try {
        const [a, b] = await Promise.all([fromPlatform, ownValue].map(async (t) => (await getJson<{ queryMs: number }>(`${t.url}/api/workflows/execute`)).queryMs));
        expect(a).toBe(40);
        expect(b).toBe(120);
        const started = (await readLogLines(fromPlatform.logFile)).find((l) => l.msg === 'starting service') as { workers: { taskDuration: unknown } };
        expect(started.workers.taskDuration).toEqual({ medianMs: 7, sigma: 0 });
      } finally {
        await Promise.all([fromPlatform.stop(), ownValue.stop()]);
      }
    } finally {
      await tmp.cleanup();
    }
  }, 30_000);
});

describe('target service process', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeAll(async () => ({ dir, cleanup } = await tempDir('target-config')));
  afterAll(async () => cleanup());

  it('exits 78 naming the bad field when the config is invalid', async () => {
    const err = await startFailure(launchTarget({ workDir: join(dir, 'bad'), config: { pool: { size: -1 } } as never }));
    expect(err.exit?.code).toBe(EXIT_CONFIG);
    expect(err.stderrTail).toMatch(/invalid service config .*service\.config\.json: pool\.size:/);
  });

  it('exits 78 when the config is not JSON', async () => {
    const file = join(dir, 'broken.json');
    await writeFile(file, '{ "pool": { "size": 10, }');
    const err = await startFailure(launchTarget({ workDir: join(dir, 'json'), config: file }));
    expect(err.exit?.code).toBe(EXIT_CONFIG);
    expect(err.stderrTail).toContain('not valid JSON');
  });

  it('exits 64 on bad usage', async () => {
    const err = await startFailure(spawnChild({ name: 'target', args: [distEntry('lab/target/main.js'), '--port', '1'] }));
    expect(err.exit?.code).toBe(EXIT_USAGE);
    expect(err.stderrTail).toContain('--config is required');
  });

  it('crashes at startup with a clear log line when a required dependency is missing (the bad deploy)', async () => {
    const workDir = join(dir, 'bad-deploy');
    const err = await startFailure(launchTarget({ workDir, config: scenarioPresets['bad-deploy'].broken, provides: { 'payments-db': '' } }));
    expect(err.exit?.code).toBe(EXIT_STARTUP);
    expect(err.stderrTail).toContain('startup dependency missing: "firestore" is not provided by this environment (provided: payments-db)');
    const fatal = (await readLogLines(join(workDir, 'target.log'))).find((l) => l.level === 'fatal');
    expect(fatal).toMatchObject({ dependency: 'firestore', provided: ['payments-db'] });
    expect(String(fatal?.msg)).toContain('startup dependency missing');
  });

  it('also requires the URL of its configured dependency', async () => {
    const err = await startFailure(launchTarget({ workDir: join(dir, 'no-dep'), config: { dependency: { name: 'payments-api' } }, provides: { 'payments-api': '' } }));
    expect(err.exit?.code).toBe(EXIT_STARTUP);
    expect(err.stderrTail).toContain('"payments-api" is not provided');
  });

  it('starts, serves health and metrics with build_info, and stops cleanly on SIGTERM', async () => {
    const workDir = join(dir, 'good');
    const target = await launchTarget({ workDir, config: scenarioPresets['bad-deploy'].fixed, provides: { 'payments-db': '' }, revision: 'abc1234' });
    try {
      const health = await getJson(`${target.url}/healthz`);
      expect(health).toMatchObject({ status: 'ok', version: '1.4.2', revision: 'abc1234' });
      const metrics = await (await fetch(`${target.url}/metrics`)).text();
      expect(metricValue(metrics, 'build_info', { version: '1.4.2', revision: 'abc1234', service: 'workflows-api' })).toBe(1);
      expect(metricValue(metrics, 'database_connection_pool_max')).toBe(10);
      expect(metricValue(metrics, 'saga_executions', { status: 'RUNNING' })).toBe(0);
      expect((await fetch(`${target.url}/nope`)).status).toBe(404);
    } finally {
      await target.stop();
    }
    expect(target.child.exitInfo()).toEqual({ code: 0, signal: null });
    const messages = (await readLogLines(join(workDir, 'target.log'))).map((l) => l.msg);
    expect(messages).toEqual(expect.arrayContaining(['starting service', 'service listening', 'shutting down', 'shutdown complete']));
  });
});

/** Whether `pid` runs; a zombie (killed, not yet reaped by a container's init) counts as gone. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

describe('lab child processes (process.ts)', () => {
  it('kills a child that never reports ready and says so', async () => {
    const err = await spawnChild({ name: 'silent', args: ['-e', 'process.stderr.write("booting\\n"); setInterval(() => {}, 1000)'], readyTimeoutMs: 400 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChildReadyTimeoutError);
    expect((err as Error).message).toMatch(/silent did not report ready within 400 ms[\s\S]*booting/);
  });

  it('stop() takes down the whole process group, grandchildren included', async () => {
    // The SIGTERM handler goes in before the ready line, so stop() can never arrive before it is installed.
    const script = `process.on('SIGTERM', () => {}); // ignores SIGTERM: stop() must escalate to SIGKILL
      const { spawn } = require('node:child_process');
      const g = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
      console.log('grandchild ' + g.pid);
      console.log(JSON.stringify({ port: 1 }));
      setInterval(() => {}, 1000);`;
    const lines: string[] = [];
    const child = await spawnChild({ name: 'parent', args: ['-e', script], onStdoutLine: (l) => lines.push(l) });
    expect(child.port).toBe(1);
    const grandchild = Number(lines.find((l) => l.startsWith('grandchild '))?.split(' ')[1]);
    expect(alive(grandchild)).toBe(true);
    const exit = await child.stop({ graceMs: 300 });
    expect(exit.signal).toBe('SIGKILL');
    await waitUntil('grandchild gone', () => !alive(grandchild), { timeoutMs: 2_000 });
  });
});
