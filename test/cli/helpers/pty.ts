// Runs a command under a real pseudo-terminal, without native modules: python3's `pty`/`termios` (preferred: it
// sets the window size) or util-linux `script` (the terminal then has no size, 0x0). The command's stdin,
// stdout and stderr are the terminal, which is also its controlling terminal, so Ctrl-C (\x03) sends SIGINT
// as it does for a person at a keyboard. Output is kept raw: escape sequences, echoed input and all.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { constants } from 'node:os';

export type PtyDriver = 'python3' | 'script';

/** The relay: a new session on a fresh pty of the given size, stdin copied to it, its output copied to stdout. */
const PYTHON_RELAY = String.raw`
import fcntl, os, select, struct, subprocess, sys, termios
cols, rows, argv = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3:]
master, slave = os.openpty()
fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack('HHHH', rows, cols, 0, 0))
def controlling_terminal():
    os.setsid()
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)
child = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, preexec_fn=controlling_terminal, close_fds=True)
os.close(slave)
stdin_open = True
def pump(timeout):
    global stdin_open
    fds = [master] + ([0] if stdin_open else [])
    ready = select.select(fds, [], [], timeout)[0]
    if 0 in ready:
        data = os.read(0, 65536)
        if data: os.write(master, data)
        else: stdin_open = False
    if master in ready:
        try: data = os.read(master, 65536)
        except OSError: data = b''
        if not data: return False
        os.write(1, data)
    return bool(ready)
while child.poll() is None:
    if not pump(0.1) and child.poll() is not None: break
while pump(0.2): pass
code = child.wait()
sys.exit(code if code >= 0 else 128 - code)
`;

let detected: PtyDriver | null | undefined;

/** The driver this machine has (FIREBREAK_PTY_DRIVER picks one), or undefined when it has neither. */
export function ptyDriver(): PtyDriver | undefined {
  if (detected === undefined) {
    const wanted = process.env.FIREBREAK_PTY_DRIVER;
    const works: Record<PtyDriver, () => boolean> = {
      python3: () => spawnSync('python3', ['-c', 'import pty, termios, fcntl'], { stdio: 'ignore' }).status === 0,
      script: () => /util-linux/.test(spawnSync('script', ['--version'], { encoding: 'utf8' }).stdout ?? ''),
    };
    const order: PtyDriver[] = wanted === 'script' || wanted === 'python3' ? [wanted] : ['python3', 'script'];
    detected = order.find((d) => works[d]()) ?? null;
  }
  return detected ?? undefined;
}

export interface PtyProcess {
  readonly driver: PtyDriver;
  /** Everything the terminal showed so far, raw. */
  output(): string;
  /** Types on the keyboard (`y\r`, `\x03` for Ctrl-C). */
  type(keys: string): void;
  /**
   * The first match of `pattern` in the output after `from` (an output length) and where it ends, or undefined
   * when the program exits without printing it. Rejects after `timeoutMs` (default 60 s) with what it printed.
   */
  waitFor(pattern: RegExp, options?: { from?: number; timeoutMs?: number }): Promise<{ match: RegExpExecArray; end: number } | undefined>;
  /** The exit code (128 + n for signal n). */
  readonly exited: Promise<number>;
  kill(): void;
}

export interface SpawnPtyOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  cols?: number;
  rows?: number;
}

function shellQuote(arg: string): string {
  return `'${arg.replaceAll("'", `'\\''`)}'`;
}

/** Starts `argv` on a new pseudo-terminal; throws when no driver is available (check ptyDriver() first). */
export function spawnPty(argv: readonly string[], opts: SpawnPtyOptions = {}): PtyProcess {
  const driver = ptyDriver();
  if (!driver) throw new Error('spawnPty: neither python3 (with pty/termios) nor util-linux script is installed');
  const [cmd, args] = driver === 'python3'
    ? ['python3', ['-c', PYTHON_RELAY, String(opts.cols ?? 120), String(opts.rows ?? 40), ...argv]]
    : ['script', ['-qfec', argv.map(shellQuote).join(' '), '/dev/null']];
  const child: ChildProcess = spawn(cmd, args as string[], { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['pipe', 'pipe', 'inherit'] });
  let text = '';
  const waiters = new Set<() => void>();
  child.stdout!.setEncoding('utf8');
  child.stdout!.on('data', (chunk: string) => {
    text += chunk;
    for (const w of waiters) w();
  });
  let done = false;
  const exited = new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    // 'close' (not 'exit'): all output has been read by then.
    child.once('close', (code, signal) => {
      done = true;
      for (const w of waiters) w();
      resolve(code ?? 128 + (signal ? constants.signals[signal] : 0));
    });
  });
  return {
    driver,
    output: () => text,
    type(keys) {
      child.stdin!.write(keys);
    },
    waitFor(pattern, { from = 0, timeoutMs = 60_000 } = {}) {
      const re = new RegExp(pattern.source, pattern.flags.replace('g', ''));
      return new Promise((resolve, reject) => {
        const check = (): void => {
          const match = re.exec(text.slice(from));
          if (match) finish(() => resolve({ match, end: from + match.index + match[0].length }));
          else if (done) finish(() => resolve(undefined));
        };
        const timer = setTimeout(() => finish(() => reject(new Error(`no ${pattern} within ${timeoutMs} ms; the terminal showed:\n${text.slice(from)}`))), timeoutMs);
        const finish = (settle: () => void): void => {
          clearTimeout(timer);
          waiters.delete(check);
          settle();
        };
        waiters.add(check);
        check();
      });
    },
    exited,
    kill() {
      if (!done) child.kill('SIGKILL');
    },
  };
}
