#!/usr/bin/env node
// npm run conformance [-- extra conformance flags, e.g. --scenario ping --verbose]
//
// Runs the official MCP conformance suite (@modelcontextprotocol/conformance, a devDependency) against
// `firebreak mcp --http` from dist/ (run `npm run build` first), started zero-config from a scratch directory
// on 127.0.0.1 with a free port, and stopped afterwards whatever happens.
//
// Many server scenarios call fixtures of the SDK's reference "everything" server (tools named test_*, prompts
// named test_*, resources under test://). firebreak is a product server, not that fixture: it does not ship
// those, so those scenarios are listed below as expected failures, each with the fixture it needs. The
// conformance CLI fails the run on any other failure (a regression) and on any listed scenario that starts
// passing (a stale entry), so this list cannot hide a real problem. What these fixtures exercise (progress,
// elicitation, errors, embedded resources, prompts with arguments) is tested against firebreak's own tools in
// test/mcp-server/.

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Scenario -> the reference-server fixture it calls, which firebreak does not have. */
const FIXTURE_ONLY = {
  'completion-complete': 'prompt test_prompt_with_arguments',
  'tools-call-simple-text': 'tool test_simple_text',
  'tools-call-image': 'tool test_image_content',
  'tools-call-audio': 'tool test_audio_content',
  'tools-call-embedded-resource': 'tool test_embedded_resource',
  'tools-call-mixed-content': 'tool test_multiple_content_types',
  'tools-call-with-logging': 'tool test_tool_with_logging',
  'tools-call-error': 'tool test_error_handling',
  'tools-call-with-progress': 'tool test_tool_with_progress',
  'tools-call-sampling': 'tool test_sampling',
  'tools-call-elicitation': 'tool test_elicitation',
  'elicitation-sep1034-defaults': 'tool test_elicitation_sep1034_defaults',
  'elicitation-sep1330-enums': 'tool test_elicitation_sep1330_enums',
  'resources-read-text': 'resource test://static-text',
  'resources-read-binary': 'resource test://static-binary',
  'resources-templates-read': 'resource template test://template/{id}/data',
  'prompts-get-simple': 'prompt test_simple_prompt',
  'prompts-get-with-args': 'prompt test_prompt_with_arguments',
  'prompts-get-embedded-resource': 'prompt test_prompt_with_embedded_resource',
  'prompts-get-with-image': 'prompt test_prompt_with_image',
  // Pending suite (`-- --suite all`):
  'json-schema-2020-12': 'tool json_schema_2020_12_tool',
  'server-sse-polling': 'tool test_reconnection',
};

const root = fileURLToPath(new URL('..', import.meta.url));
const cli = join(root, 'dist', 'cli', 'main.js');

function fail(message) {
  process.stderr.write(`conformance: ${message}\n`);
  process.exit(2);
}

function conformanceBin() {
  const require = createRequire(import.meta.url);
  const pkgPath = require.resolve('@modelcontextprotocol/conformance/package.json');
  const pkg = JSON.parse(readFileSync(pkgPath, 'utf8'));
  const bin = typeof pkg.bin === 'string' ? pkg.bin : pkg.bin.conformance;
  return join(dirname(pkgPath), bin);
}

/** Starts the server and resolves with its URL (from its "serving" line on stderr). */
function startServer(cwd) {
  const child = spawn(process.execPath, [cli, 'mcp', '--http', '--port', '0'], {
    cwd,
    env: { ...process.env, FIREBREAK_LOG_LEVEL: 'warn', FIREBREAK_MCP_TOKEN: '' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let stderr = '';
    const timer = setTimeout(() => reject(new Error(`the server did not start within 30 s:\n${stderr}`)), 30_000);
    child.stderr.on('data', (d) => {
      stderr += d.toString('utf8');
      const m = /firebreak mcp: serving (http:\/\/\S+\/mcp)/.exec(stderr);
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: m[1] });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the server exited (${code}) before serving:\n${stderr}`));
    });
  });
}

function stop(child) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

async function main() {
  if (Number(process.versions.node.split('.')[0]) < 22) fail(`needs Node 22 or later (this is ${process.version})`);
  if (!existsSync(cli)) fail('dist/cli/main.js is missing: run `npm run build` first');
  const scratch = mkdtempSync(join(tmpdir(), 'firebreak-conformance-'));
  const baseline = join(scratch, 'expected-failures.yml');
  writeFileSync(baseline, `server:\n${Object.entries(FIXTURE_ONLY).map(([s, why]) => `  - ${s} # needs the reference server's ${why}`).join('\n')}\n`);
  let server;
  try {
    server = await startServer(scratch);
    process.stdout.write(`conformance: testing ${server.url} (${Object.keys(FIXTURE_ONLY).length} fixture-only scenarios expected to fail)\n`);
    const code = await new Promise((resolve) => {
      const run = spawn(process.execPath, [conformanceBin(), 'server', '--url', server.url, '--expected-failures', baseline, '-o', join(scratch, 'results'), ...process.argv.slice(2)], { stdio: 'inherit' });
      run.once('exit', (c) => resolve(c ?? 1));
    });
    process.stdout.write(code === 0 ? 'conformance: PASS (every applicable scenario passed; only fixture-only scenarios failed)\n' : `conformance: FAIL (exit ${code})\n`);
    return code;
  } finally {
    if (server) await stop(server.child);
    rmSync(scratch, { recursive: true, force: true });
  }
}

main().then((code) => process.exit(code), (err) => fail(err instanceof Error ? err.message : String(err)));
