import { spawn } from 'node:child_process';
import { runChecks, type CheckResult } from './checks.js';
import { currentPlatform, planInstall, type InstallPlan, type Platform } from './install.js';

export { checkNode, findOnPath, MIN_NODE, runChecks, type CheckId, type CheckResult } from './checks.js';
export { currentPlatform, planInstall, type InstallPlan, type Platform } from './install.js';

/** Runs one install command; resolves with its exit code. Output goes to the user (stderr). */
export type CommandRunner = (argv: readonly string[]) => Promise<number>;

const runInherit: CommandRunner = (argv) =>
  new Promise((resolve) => {
    const [cmd = '', ...args] = argv;
    const child = spawn(cmd, args, { stdio: ['ignore', 2, 2], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    child.once('error', () => resolve(127));
    child.once('close', (code) => resolve(code ?? 1));
  });

export interface DoctorOptions {
  /** Only check; never install. */
  readonly check?: boolean;
  readonly env?: NodeJS.ProcessEnv;
  readonly platform?: Platform;
  /** How install commands run (tests inject one; default: spawn with output on stderr). */
  readonly exec?: CommandRunner;
  /** Where the report goes, line by line. */
  readonly out?: (line: string) => void;
}

export interface DoctorResult {
  /** 0: every required prerequisite is fine; 1: something required is missing or broken. */
  readonly exitCode: number;
  readonly checks: readonly CheckResult[];
  readonly plan: InstallPlan;
  /** Commands doctor ran, with their exit codes. */
  readonly ran: readonly { readonly argv: readonly string[]; readonly code: number }[];
}

function report(checks: readonly CheckResult[], out: (line: string) => void): void {
  const width = Math.max(...checks.map((c) => c.id.length));
  for (const c of checks) out(`${c.ok ? 'ok     ' : c.required ? 'MISSING' : 'warning'}  ${c.id.padEnd(width)}  ${c.detail}`);
}

/**
 * `firebreak doctor`: checks the drill prerequisites (Node >= 22.12, git, prometheus, bwrap with working
 * user namespaces, chromium) and, on Debian/Ubuntu as root and without `check`, installs the missing
 * packages with apt-get, then checks again. Elsewhere it prints the exact commands to run. Exit code 1
 * only when a required prerequisite (node, git, prometheus) is still missing; bwrap and chromium warn.
 */
export async function runDoctor(options: DoctorOptions = {}): Promise<DoctorResult> {
  const env = options.env ?? process.env;
  const out = options.out ?? ((line: string) => void process.stdout.write(`${line}\n`));
  const platform = options.platform ?? currentPlatform();
  let checks = await runChecks(env);
  report(checks, out);
  let plan = planInstall(checks.filter((c) => !c.ok), platform);
  const ran: { argv: readonly string[]; code: number }[] = [];
  if (!options.check && plan.run.length > 0) {
    out('');
    for (const argv of plan.run) {
      out(`running: ${argv.join(' ')}`);
      const code = await (options.exec ?? runInherit)(argv);
      ran.push({ argv, code });
      if (code !== 0) {
        out(`failed with exit code ${code}`);
        break;
      }
    }
    out('');
    checks = await runChecks(env);
    report(checks, out);
    plan = planInstall(checks.filter((c) => !c.ok), platform);
  }
  const todo = [...(options.check ? plan.run.map((argv) => argv.join(' ')) : []), ...plan.manual];
  if (todo.length > 0) {
    out('');
    out(options.check && plan.run.length > 0 ? 'to fix (or run `firebreak doctor` without --check to install):' : 'to fix:');
    for (const line of todo) out(`  ${line}`);
  }
  const exitCode = checks.some((c) => c.required && !c.ok) ? 1 : 0;
  if (exitCode === 0 && todo.length === 0) out('\nall set: drills can run here');
  return { exitCode, checks, plan, ran };
}
