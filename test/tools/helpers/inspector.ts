import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/**
 * Drives the official MCP Inspector CLI (`@modelcontextprotocol/inspector`, a client nobody here wrote)
 * against a server, so our servers are checked by someone else's reading of the protocol.
 *
 * Inspector v2 ships its CLI as `clients/cli/build/index.js`, reached through the package's launcher bin
 * with `--cli`; the package's postinstall (per-client installs) is not needed because the CLI build is a
 * single bundled file. Paths are resolved from the package's own package.json, not hard-coded.
 */
export function inspectorLauncher(): string {
  const require = createRequire(import.meta.url);
  const pkgPath = require.resolve('@modelcontextprotocol/inspector/package.json');
  const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as { bin: Record<string, string> };
  const bin = pkg.bin['mcp-inspector'] ?? pkg.bin.inspector;
  if (!bin) throw new Error('@modelcontextprotocol/inspector has no mcp-inspector bin');
  return join(dirname(pkgPath), bin);
}

export interface InspectorRun {
  /** Inspector exit code: 0 ok, 5 the tool returned isError, 6 --strict schema errors, other non-zero failures. */
  code: number | null;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON (`--format json` wraps the answer as `{ result }`, failures as `{ error }`). */
  json: unknown;
}

export interface InspectorOptions {
  /** Inspector flags, e.g. ['--method', 'tools/call', '--tool-name', 'x', '--tool-args-json', '{}']. */
  args: string[];
  /** The stdio server to launch: command and its arguments (passed after `--`, so its flags stay its own). */
  server: [string, ...string[]];
  timeoutMs?: number;
}

/**
 * Runs one Inspector CLI invocation against a stdio server and collects its output. HOME points at a
 * throwaway directory so the Inspector's catalog and client config never touch the real home.
 */
export async function runInspector(opts: InspectorOptions): Promise<InspectorRun> {
  const home = mkdtempSync(join(tmpdir(), 'fb-inspector-home-'));
  try {
    const argv = [inspectorLauncher(), '--cli', ...opts.args, '--format', 'json', '--', ...opts.server];
    const child = spawn(process.execPath, argv, {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 30_000);
    const code = await new Promise<number | null>((resolve) => child.once('close', (c) => resolve(c)));
    clearTimeout(timer);
    let json: unknown;
    try {
      json = JSON.parse(stdout);
    } catch {
      json = undefined;
    }
    return { code, stdout, stderr, json };
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}
