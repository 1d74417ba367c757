import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** A child `node` process running one of ./fixtures, with its output collected. */
export interface Child {
  process: ChildProcessWithoutNullStreams;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (or signal name) when the process ends. */
  exited: Promise<number | string>;
  /** Resolves when stdout contains `text`; rejects if the process exits first. */
  waitFor(text: string): Promise<void>;
}

const live = new Set<Child>();

export function spawnFixture(name: string, args: readonly string[]): Child {
  const script = fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
  const proc = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', script, ...args], { stdio: 'pipe' });
  let out = '';
  let err = '';
  proc.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  proc.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exited = new Promise<number | string>((resolve) => proc.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  const child: Child = {
    process: proc,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitFor: (text) =>
      new Promise<void>((resolve, reject) => {
        const check = (): void => {
          if (out.includes(text)) {
            proc.stdout.off('data', check);
            resolve();
          }
        };
        proc.stdout.on('data', check);
        check();
        void exited.then((code) => reject(new Error(`fixture ${name} exited (${code}) before printing '${text}': ${err}`)));
      }),
  };
  live.add(child);
  void exited.then(() => live.delete(child));
  return child;
}

/** Kills every fixture still running (for afterEach): a failed test must not leave processes behind. */
export async function killAll(): Promise<void> {
  const pending = [...live];
  for (const child of pending) child.process.kill('SIGKILL');
  await Promise.all(pending.map((c) => c.exited));
}
