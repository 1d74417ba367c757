import { execFile } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Logger } from 'pino';
import type { Scenario } from '../drills/scenario-schema.js';
import { initRepo, startForge, type Forge } from './forge/index.js';
import { repoTemplateFiles } from './repo-template/index.js';

const execFileAsync = promisify(execFile);
const GIT_ENV = { GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1', GIT_TERMINAL_PROMPT: '0' };

/** The service repository of a lab: on the forge (for the github tools) and checked out (for the sandbox). */
export interface LabRepo {
  readonly forge: Forge;
  /** Bearer token the forge requires; the github server gets it through its environment. */
  readonly token: string;
  /** The forge's git dir: what the deployer exports releases from. */
  readonly repoDir: string;
  /** A clone of main, fast-forwarded after each commitFile to main: the sandbox's workspace, as a CI checkout is. */
  readonly workspaceDir: string;
  /** Commits one file on `branch` through the forge's REST API, as a person pushing would. Returns the commit sha. */
  commitFile(o: { path: string; content: string; message: string; branch?: string; author?: string }): Promise<string>;
}

/** A token in GitHub's classic format, so the shared redaction patterns recognise it wherever it shows up. */
function labToken(): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  return `ghp_${Array.from({ length: 36 }, () => alphabet[randomInt(alphabet.length)]).join('')}`;
}

/** Names the environment provides: the scenario's list plus the lab dependency, if it runs one. */
export function providedNames(scenario: Scenario): string[] {
  if (scenario.target.kind !== 'builtin') return [];
  const names = new Set(scenario.target.provides);
  if (scenario.target.dependency) names.add(scenario.target.dependency.name ?? 'payments-api');
  return [...names].sort();
}

/**
 * Creates the service repository (the repo template with the scenario's initial config, or a custom
 * target's directory), serves it from a forge with a random token, and clones it for the sandbox.
 * The caller owns `forge.stop()`.
 */
export async function setupLabRepo(scenario: Scenario, workDir: string, logger: Logger): Promise<LabRepo> {
  const target = scenario.target;
  const owner = target.repo.owner;
  const name = target.repo.name;
  const repoDir = join(workDir, 'forge', `${name}.git`);
  await mkdir(join(workDir, 'forge'), { recursive: true });
  if (target.kind === 'builtin') {
    await initRepo({ repoDir, files: repoTemplateFiles({ config: target.config, provides: providedNames(scenario), owner, repo: name }), message: 'Initial import of the service configuration' });
  } else {
    await initRepo({ repoDir, fromDir: target.repo.dir, message: 'Initial import' });
  }
  const token = labToken();
  const forge = await startForge({ repoDir, owner, repo: name, token, logger: logger.child({ component: 'forge' }) });
  const workspaceDir = join(workDir, 'workspace');
  try {
    await execFileAsync('git', ['clone', '--quiet', repoDir, workspaceDir], { env: { ...process.env, ...GIT_ENV } });
    await execFileAsync('git', ['-C', workspaceDir, 'config', 'user.name', 'firebreak-sandbox'], { env: { ...process.env, ...GIT_ENV } });
    await execFileAsync('git', ['-C', workspaceDir, 'config', 'user.email', 'sandbox@firebreak.invalid'], { env: { ...process.env, ...GIT_ENV } });
  } catch (err) {
    await forge.stop();
    throw err;
  }

  const api = `${forge.url}/repos/${owner}/${name}`;
  const headers = { authorization: `Bearer ${token}`, accept: 'application/vnd.github+json', 'content-type': 'application/json' };
  return {
    forge,
    token,
    repoDir,
    workspaceDir,
    async commitFile(o) {
      const branch = o.branch ?? 'main';
      const current = await fetch(`${api}/contents/${o.path}?ref=${encodeURIComponent(branch)}`, { headers, signal: AbortSignal.timeout(10_000) });
      const sha = current.ok ? ((await current.json()) as { sha?: string }).sha : undefined;
      const author = o.author ?? 'release-bot';
      const body = { message: o.message, content: Buffer.from(o.content).toString('base64'), branch, ...(sha ? { sha } : {}), committer: { name: author, email: `${author}@users.noreply.forge.invalid` } };
      const res = await fetch(`${api}/contents/${o.path}`, { method: 'PUT', headers, body: JSON.stringify(body), signal: AbortSignal.timeout(10_000) });
      if (!res.ok) throw new Error(`forge refused the commit of ${o.path} to ${branch}: HTTP ${res.status} ${await res.text()}`);
      const commit = ((await res.json()) as { commit: { sha: string } }).commit.sha;
      if (branch === 'main') await syncWorkspace(workspaceDir, logger);
      return commit;
    },
  };
}

/** Fast-forwards the workspace to the forge's main. Not fatal: a workspace with local work stays as it is. */
async function syncWorkspace(workspaceDir: string, logger: Logger): Promise<void> {
  try {
    await execFileAsync('git', ['-C', workspaceDir, 'pull', '--quiet', '--ff-only', 'origin', 'main'], { env: { ...process.env, ...GIT_ENV } });
  } catch (err) {
    logger.warn({ err, workspaceDir }, 'could not fast-forward the sandbox workspace to main');
  }
}
