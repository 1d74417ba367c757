#!/usr/bin/env node
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { exitWithParent } from '../process.js';
import { LoadSpecError, parseLoadSpec, startLoad } from './generator.js';

const USAGE = `usage: node dist/lab/load/main.js (--spec '<json>' | --spec-file <file>) [--progress-ms 1000]

Runs a load spec ({"url","path","method","body","profile",...}; see src/lab/load/profile.ts) and stops by
itself at the end of the profile. Prints {"progress":{...}} lines every --progress-ms (0 disables) and a
final {"stats":{...}} line on stdout. SIGTERM stops early and still prints the final stats.`;

async function main(argv: string[]): Promise<number> {
  let values: { spec?: string; 'spec-file'?: string; 'progress-ms'?: string };
  try {
    values = parseArgs({ args: argv, strict: true, options: { spec: { type: 'string' }, 'spec-file': { type: 'string' }, 'progress-ms': { type: 'string' } } }).values;
    if ((values.spec === undefined) === (values['spec-file'] === undefined)) throw new TypeError('give exactly one of --spec or --spec-file');
  } catch (err) {
    process.stderr.write(`load: ${(err as Error).message}\n${USAGE}\n`);
    return 64;
  }
  const progressMs = Number(values['progress-ms'] ?? 1000);
  let spec;
  try {
    const text = values.spec ?? (await readFile(values['spec-file'] as string, 'utf8'));
    spec = parseLoadSpec(JSON.parse(text));
  } catch (err) {
    process.stderr.write(`load: ${err instanceof LoadSpecError ? err.message : `cannot read spec: ${(err as Error).message}`}\n`);
    return 78;
  }

  const load = startLoad(spec);
  const progress = Number.isFinite(progressMs) && progressMs > 0 ? setInterval(() => process.stdout.write(`${JSON.stringify({ progress: { elapsedMs: Math.round(load.elapsedMs()), ...load.stats() } })}\n`), progressMs) : undefined;
  const stop = (): void => void load.stop();
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  exitWithParent(stop);
  process.stdout.on('error', stop); // EPIPE: nobody reads our stats any more
  const stats = await load.done;
  clearInterval(progress);
  process.stdout.write(`${JSON.stringify({ stats })}\n`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`load: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);
