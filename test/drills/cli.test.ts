import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDrillRunArgs } from '../../src/cli/commands/drill.js';
import { UsageError } from '../../src/cli/command.js';

const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
const run = promisify(execFile);

/** Runs the built CLI; resolves with its exit code and output whatever the code. */
async function cli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args], { env: { ...process.env, ANTHROPIC_API_KEY: '', ...env }, timeout: 30_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('parseDrillRunArgs', () => {
  const env = {};
  it('defaults to the playbook model and ./drill-reports', () => {
    expect(parseDrillRunArgs(['pool-exhaustion', 'retry-storm'], env, '/work')).toEqual({
      targets: ['pool-exhaustion', 'retry-storm'], all: false, model: { kind: 'playbook' }, outDir: '/work/drill-reports', junitFile: '/work/drill-reports/junit.xml',
    });
  });

  it('takes --all, --out, --junit and --model in both spellings', () => {
    expect(parseDrillRunArgs(['--all', '--out=reports', '--junit', 'ci/junit.xml', '--model', 'anthropic:claude-opus-4-1'], { ANTHROPIC_API_KEY: 'sk-ant-test' }, '/w')).toEqual({
      targets: [], all: true, model: { kind: 'anthropic', model: 'claude-opus-4-1' }, outDir: '/w/reports', junitFile: '/w/ci/junit.xml',
    });
    expect(parseDrillRunArgs(['--all', '--model=anthropic'], { ANTHROPIC_API_KEY: 'sk-ant-test' }).model).toEqual({ kind: 'anthropic', model: 'claude-sonnet-5-5' });
  });

  it.each([
    [[], /name at least one scenario/],
    [['--all', 'pool-exhaustion'], /not both/],
    [['x', '--model'], /--model needs a value/],
    [['x', '--model', 'gpt'], /expected playbook, anthropic\[:MODEL\] or replay:FILE, got 'gpt'/],
    [['x', '--model', 'anthropic'], /needs ANTHROPIC_API_KEY/],
    [['x', '--model', 'replay:/nonexistent/cassette.jsonl'], /cassette '\/nonexistent\/cassette.jsonl' does not exist/],
    [['x', '--fast'], /unknown option '--fast'/],
  ])('rejects %j', (argv, message) => {
    expect(() => parseDrillRunArgs(argv, env)).toThrow(UsageError);
    expect(() => parseDrillRunArgs(argv, env)).toThrow(message);
  });
});

describe('firebreak drill (the built CLI)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'firebreak-drill-cli-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('shows usage with --help and exits 0', async () => {
    const r = await cli(['drill', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('firebreak drill run --all [options]');
  });

  it('exits 2 without a sub-command, or with an unknown one', async () => {
    expect((await cli(['drill'])).code).toBe(2);
    const r = await cli(['drill', 'fight']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown sub-command 'fight' (expected list or run)");
  });

  it('exits 2 naming the known scenarios for an unknown one', async () => {
    const r = await cli(['drill', 'run', 'no-such-drill', '--out', dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown scenario 'no-such-drill' \(known: [^)]*\)/);
  });

  it('exits 2 naming the file and field of an invalid scenario file, before starting any lab', async () => {
    const file = join(dir, 'broken.yaml');
    await writeFile(file, 'name: broken\ntitle: Broken\nload: { path: /x, baselineRatePerSec: -1 }\n');
    const r = await cli(['drill', 'run', file, '--out', dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(file);
    expect(r.stderr).toContain('load.baselineRatePerSec');
  });

  it('exits 2 on a bad --model', async () => {
    const r = await cli(['drill', 'run', 'pool-exhaustion', '--model', 'anthropic']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('needs ANTHROPIC_API_KEY');
  });

  it('lists the shipped scenarios without their expected answers', async () => {
    const r = await cli(['drill', 'list']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^pool-exhaustion\s+Database connection pool exhaustion under 3x traffic \(seed 004\)$/m);
    expect(r.stdout).not.toMatch(/resource-exhaustion|database-connection-pool/);
  });
});
