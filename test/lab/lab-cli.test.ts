import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { describe, expect, it } from 'vitest';
import { prometheusAvailable } from './helpers/lab.js';
import { descendants } from './helpers/processes.js';

const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));


const alive = (pids: readonly number[]): number[] =>
  pids.filter((pid) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  });

describe('firebreak lab', () => {
  it('lab up with an unknown scenario exits 2 and lists the known ones', () => {
    const r = spawnSync(process.execPath, [CLI, 'lab', 'up', 'no-such-drill'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/unknown scenario 'no-such-drill' \(known: bad-deploy, healthy-noise, hotfix-on-bad-release, pool-exhaustion, pool-surge, provider-outage, queue-backlog, retry-storm, saga-retries, slow-release, stuck-sagas, worker-capacity\)/);
  });

  it.skipIf(!prometheusAvailable('lab cli'))('lab up --inject prints a working MCP config, injects the fault, and Ctrl-C leaves no process or temp dir behind', async () => {
    const child = spawn(process.execPath, [CLI, 'lab', 'up', 'bad-deploy', '--inject'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, FIREBREAK_LOG_LEVEL: 'error' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
    let client: Client | undefined;
    let pids: number[] = [];
    try {
      await expect.poll(() => stderr, { timeout: 60_000, interval: 250 }).toMatch(/press Ctrl-C to stop/);
      const config = JSON.parse(stdout) as { mcpServers: Record<string, { url?: string; env?: Record<string, string>; args?: string[] }> };
      expect(Object.keys(config.mcpServers).sort()).toEqual(['deploy', 'github', 'grafana', 'sandbox']);
      expect(config.mcpServers.grafana?.env?.PROMETHEUS_URL).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(config.mcpServers.github?.args).toContain('--api-url');
      pids = descendants(child.pid);
      expect(pids.length).toBeGreaterThanOrEqual(3);

      client = new Client({ name: 'lab-cli-test', version: '0' });
      await client.connect(new StreamableHTTPClientTransport(new URL(config.mcpServers.deploy?.url ?? '')));
      // The fault (after the scenario's warm-up) commits release 1.5.0 and deploys it: a failed rollout by the
      // release pipeline, as the responder sees it (the lab's own `fault` trigger never reaches the tools).
      await expect
        .poll(
          async () => {
            const status = (await client?.callTool({ name: 'rollout_status', arguments: {} }))?.structuredContent as { history: { triggeredBy: string; outcome: string; trigger?: string }[] };
            return status.history.map((h) => `${h.trigger ?? h.triggeredBy}:${h.outcome}`);
          },
          { timeout: 60_000, interval: 1_000 },
        )
        .toEqual(['release-pipeline:failed', 'release-pipeline:succeeded']);
      expect(stderr).toMatch(/fault injected at/);
    } finally {
      await client?.close();
      child.kill('SIGINT');
    }
    expect(await exited).toBe(0);
    expect(stderr).toMatch(/SIGINT received: stopping the lab[\s\S]*lab stopped/);
    expect(alive(pids)).toEqual([]);
    const workDir = /work dir (\S+)\)/.exec(stderr)?.[1];
    expect(workDir).toBeDefined();
    expect(existsSync(workDir ?? '')).toBe(false);
  }, 180_000);

  it.skipIf(!prometheusAvailable('lab signals'))('startLab() in a plain script: SIGTERM tears the lab down, then the process dies of the signal', async () => {
    const dist = (path: string): string => new URL(`../../dist/${path}`, import.meta.url).href;
    const script = [
      `import { loadScenario } from '${dist('drills/scenario.js')}';`,
      `import { startLab } from '${dist('lab/lab.js')}';`,
      `const lab = await startLab(await loadScenario('bad-deploy'));`,
      `process.stdout.write(JSON.stringify({ workDir: lab.workDir }) + '\\n');`,
      'setInterval(() => {}, 1000);',
    ].join('\n');
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('close', (_code, signal) => resolve(signal)));
    await expect.poll(() => stdout, { timeout: 60_000, interval: 250 }).toMatch(/workDir/);
    const { workDir } = JSON.parse(stdout) as { workDir: string };
    const pids = descendants(child.pid);
    expect(pids.length).toBeGreaterThanOrEqual(3);
    child.kill('SIGTERM');
    expect(await exited).toBe('SIGTERM');
    expect(alive(pids)).toEqual([]);
    expect(existsSync(workDir)).toBe(false);
  }, 120_000);
});
