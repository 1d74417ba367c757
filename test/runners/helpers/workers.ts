import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const CLI = fileURLToPath(new URL('../../../dist/cli/main.js', import.meta.url));
export const EFFECT_WORKFLOWS = fileURLToPath(new URL('../fixtures/effect-workflows.mjs', import.meta.url));

export interface WorkerProcess {
  readonly id: string;
  readonly child: ChildProcess;
  /** Resolves with the worker.ready line; rejects (with stderr) if the process exits first. */
  readonly ready: Promise<{ executorId: string; appVersion: string; pid: number }>;
  /** Resolves with the exit code (null when killed by a signal) and signal. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly stdout: string[];
  readonly stderr: string[];
}

/** Starts `firebreak worker` from dist/ (as users run it) serving the effect workflows. */
export function startWorker(databaseUrl: string, id: string, args: readonly string[] = [], env: Record<string, string> = {}): WorkerProcess {
  const child = spawn(process.execPath, [
    CLI, 'worker', '--runner', 'dbos', '--database', databaseUrl, '--workflows', EFFECT_WORKFLOWS, '--worker-id', id, ...args,
  ], {
    env: { ...process.env, FIREBREAK_TEST_EFFECTS_URL: databaseUrl, FIREBREAK_LOG_LEVEL: 'warn', NODE_NO_WARNINGS: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stdout: string[] = [];
  const stderr: string[] = [];
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => stderr.push(chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  const ready = new Promise<{ executorId: string; appVersion: string; pid: number }>((resolve, reject) => {
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      stdout.push(line);
      try {
        const event = JSON.parse(line) as { event?: string; executorId: string; appVersion: string; pid: number };
        if (event.event === 'worker.ready') resolve(event);
      } catch {
        // not a JSON line
      }
    });
    void exited.then(({ code, signal }) => reject(new Error(`worker ${id} exited (code ${code}, signal ${signal}) before ready:\n${stderr.join('').slice(-2000)}`)));
  });
  ready.catch(() => undefined);
  return { id, child, ready, exited, stdout, stderr };
}

/** Kills a worker (if still running) and waits for it to be gone. */
export async function killWorker(worker: WorkerProcess, signal: NodeJS.Signals = 'SIGKILL'): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (worker.child.exitCode === null && worker.child.signalCode === null) worker.child.kill(signal);
  return worker.exited;
}
