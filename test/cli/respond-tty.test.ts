// `firebreak respond` on a real terminal: the compiled CLI runs on a pseudo-terminal (python3's pty module or
// util-linux `script`), so stdin and stdout are TTYs and risky actions are asked on screen ("Approve ...? [y/N]").
// The test reads the screen until the question appears and types the answer, as the person on call would.
// The world is the workflow tests' one: forge, real Prometheus, the simulated service, the command deployer.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FAST_VERIFICATION, OWNER, poolAlert, SERVICE, settle, startWorld, type World } from '../workflows/helpers/world.js';
import { ptyDriver, spawnPty } from './helpers/pty.js';

const exec = promisify(execFile);
const cli = join(process.cwd(), 'dist', 'cli', 'main.js');
const driver = ptyDriver();
if (!driver) console.warn('[respond-tty] SKIPPED: no pseudo-terminal driver: install python3 or util-linux (`script`)');

/** The question as respond.ts asks it; the arguments are JSON on one (wrapped) line. */
const QUESTION = /Approve (\S+) for (\w+) (\{.*?\})\? \[y\/N\] /;
/** What the CLI writes to erase a line (its status line, before a milestone). Never over an open question. */
const ERASE_LINE = '\x1b[2K';

interface Session {
  code: number;
  /** The actions asked about, in order. */
  asked: string[];
  /** The raw terminal output. */
  screen: string;
}

let world: World;

async function mainSha(): Promise<string> {
  return (await exec('git', ['-C', world.forge.repoDir, 'rev-parse', 'refs/heads/main'])).stdout.trim();
}

/**
 * Runs `firebreak respond --approve require` on a terminal; for each question, waits a moment (a person reads
 * it), checks nothing erased it meanwhile, then types what `answer` says (undefined: leave it unanswered).
 */
async function respondOnTty(id: string, answer: (action: string) => string | undefined, config = 'firebreak.config.json'): Promise<Session> {
  const p = spawnPty([process.execPath, cli, 'respond', '--alert', 'alert.json', '--config', config, '--approve', 'require', '--id', id], {
    cwd: world.dir,
    env: { ...process.env, FIREBREAK_LOG_LEVEL: 'error', USER: 'oncall-tester' },
  });
  const asked: string[] = [];
  try {
    for (let from = 0; ;) {
      const q = await p.waitFor(QUESTION, { from, timeoutMs: 90_000 });
      if (!q) break;
      const action = q.match[1]!;
      asked.push(action);
      await new Promise((r) => setTimeout(r, 1_200)); // longer than the status line's 1 s redraw
      // Up to the line's end (an answer, or the line break that withdraws the question), nothing may erase it.
      const stillOpen = p.output().slice(q.end).split('\n')[0];
      expect(stillOpen, `the question about ${action} was erased before it was answered`).not.toContain(ERASE_LINE);
      const keys = answer(action);
      if (keys !== undefined) p.type(keys);
      from = q.end;
    }
    return { code: await p.exited, asked, screen: p.output() };
  } finally {
    p.kill();
  }
}

describe.skipIf(!driver)(`firebreak respond on a terminal (${driver ?? 'no pty'})`, () => {
  beforeAll(async () => {
    world = await startWorld();
    await writeFile(join(world.dir, 'alert.json'), JSON.stringify(poolAlert('critical')));
    const config = {
      mcpServers: world.stdioServers(),
      tools: { serverOptions: { sandbox: { callTimeoutMs: 90_000 } } },
      memory: 'sqlite:state/firebreak.db',
      repository: `${OWNER}/${SERVICE}`,
      verification: FAST_VERIFICATION,
      deploy: { backoffSeconds: 0.5 },
      postmortemDir: 'incidents',
    };
    await writeFile(join(world.dir, 'firebreak.config.json'), JSON.stringify(config));
    await writeFile(join(world.dir, 'short-timeout.config.json'), JSON.stringify({ ...config, approval: { timeoutSeconds: 2 } }));
  }, 60_000);

  beforeEach(async () => {
    await world.reset();
    await settle();
  });

  afterAll(async () => {
    await world?.stop();
  });

  it('y at each question: the merge and the deploy run, the incident resolves (exit 0)', async () => {
    const s = await respondOnTty('inc-tty-yes', () => 'y\r'); // Enter sends a carriage return
    expect(s.code, s.screen).toBe(0);
    expect(s.asked).toEqual(['github.merge_pull_request', 'deploy.deploy_service']);
    expect(s.screen).toMatch(/Approve github\.merge_pull_request for devops \{"owner":"acme","repo":"sim-api","pullNumber":1,[^\n]*\? \[y\/N\] [^\n]*y/);
    expect(s.screen).toMatch(/github\.merge_pull_request approved by cli:oncall-tester/);
    expect(s.screen).toMatch(/deploy\.deploy_service approved by cli:oncall-tester/);
    expect(s.screen).toMatch(/incident inc-tty-yes resolved: Deployed the fix/);
    // The actions really ran: main moved to the merge, and that merge is the running release.
    const merged = await mainSha();
    expect(merged).not.toBe(world.initialSha);
    expect(world.deployer.current()?.revision).toBe(merged);
    const postmortem = /^post-mortem: (.+?)\r?$/m.exec(s.screen)?.[1];
    expect(readFileSync(postmortem!, 'utf8')).toMatch(/merge_pull_request approved by cli:oncall-tester/);
  }, 120_000);

  it('n at each question: nothing is merged or deployed, the incident stays unresolved (exit 1)', async () => {
    const s = await respondOnTty('inc-tty-no', () => 'n\r');
    expect(s.code, s.screen).toBe(1);
    // Refused the merge: nothing changed, so there is nothing to roll back or restore (no known-good release, the
    // running release is the one the response began with); maintenance mode is asked of the human and refused.
    expect(s.asked).toEqual(['github.merge_pull_request', 'deploy.maintenance_mode']);
    expect(s.screen).toMatch(/github\.merge_pull_request rejected by cli:oncall-tester: declined at the CLI prompt/);
    expect(s.screen).toMatch(/incident inc-tty-no unresolved/);
    expect(await mainSha()).toBe(world.initialSha);
    expect(world.deployer.current()?.revision).toBe(world.initialSha);
    expect(world.sim.maintenance()).toBe(false);
  }, 120_000);

  it('Ctrl-C at a question interrupts the incident (exit 130), without a crash', async () => {
    const s = await respondOnTty('inc-tty-ctrl-c', () => '\x03');
    expect(s.code, s.screen).toBe(130);
    expect(s.asked).toEqual(['github.merge_pull_request']);
    expect(s.screen).toMatch(/incident inc-tty-ctrl-c cancelled/);
    expect(s.screen).not.toMatch(/AbortError|\n\s+at /);
    expect(await mainSha()).toBe(world.initialSha);
  }, 120_000);

  it('a question nobody answers is withdrawn when its request times out, and the next one is asked', async () => {
    const s = await respondOnTty('inc-tty-timeout', () => undefined, 'short-timeout.config.json');
    expect(s.code, s.screen).toBe(1);
    expect(s.asked).toEqual(['github.merge_pull_request', 'deploy.maintenance_mode']);
    for (const action of s.asked) expect(s.screen).toContain(`${action} rejected by timeout`);
    expect(await mainSha()).toBe(world.initialSha);
  }, 120_000);
});
