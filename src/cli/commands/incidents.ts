import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, DEFAULT_CONFIG_FILE, loadConfig } from '../../config/load.js';
import { MemoryUnavailableError } from '../../memory/errors.js';
import { openMemory } from '../../memory/open.js';
import type { MemoryStore } from '../../memory/types.js';
import { redactJson } from '../../security/redact.js';
import { readAlertLog, withAlertLog } from '../../workflows/alert-log.js';
import type { IncidentRecord } from '../../workflows/incident.js';
import { IncidentStore } from '../../workflows/incident-store.js';
import { parseArgv } from '../args.js';
import { UsageError, type Command } from '../command.js';

const usage = `usage: firebreak incidents list [--json] [--limit N] [--config FILE]
       firebreak incidents show ID [--json] [--config FILE]

Incident history from the memory store in the config (what \`firebreak serve\`, \`respond\` and the MCP server
recorded, from any process): id, status, severity, alert, fingerprints and their firing/resolved state,
started/ended, outcome, post-mortem path. Starts no MCP server and runs nothing.

options:
  --config FILE   firebreak.config.json (default ./${DEFAULT_CONFIG_FILE})
  --json          machine-readable JSON on stdout
  --limit N       list: at most N incidents, newest first (default 50)

exit status: 0 ok, 1 no such incident, 2 bad flags or configuration.`;

interface IncidentsArgs {
  action: 'list' | 'show';
  id?: string;
  json: boolean;
  limit: number;
  config?: string;
}

/** Parses `firebreak incidents` arguments; throws UsageError (exit 2) naming the problem. */
export function parseIncidentsArgs(argv: readonly string[]): IncidentsArgs {
  const { values, positionals } = parseArgv(argv, {
    options: { json: { type: 'boolean' }, config: { type: 'string' }, limit: { type: 'string' } },
    others: 'positionals',
  });
  const [action, id, ...extra] = positionals;
  if (action !== 'list' && action !== 'show') throw new UsageError(action === undefined ? 'say list or show' : `unknown action '${action}' (list or show)`);
  if (action === 'show' && id === undefined) throw new UsageError('show needs an incident id');
  if ((action === 'list' && id !== undefined) || extra.length > 0) throw new UsageError(`unexpected argument '${action === 'list' ? id : extra[0]}'`);
  if (action === 'show' && values.limit !== undefined) throw new UsageError('--limit applies to list only');
  const limit = values.limit === undefined ? 50 : Number(values.limit);
  if (!Number.isInteger(limit) || limit <= 0 || limit > 10_000) throw new UsageError(`--limit must be an integer from 1 to 10000, got '${values.limit}'`);
  return { action, ...(id !== undefined ? { id } : {}), json: values.json === true, limit, ...(values.config !== undefined ? { config: values.config } : {}) };
}

async function incidents(argv: string[]): Promise<number> {
  const args = parseIncidentsArgs(argv);
  const file = args.config ?? DEFAULT_CONFIG_FILE;
  if (!args.config && !existsSync(file)) {
    process.stderr.write(`firebreak incidents: no ${DEFAULT_CONFIG_FILE} here; pass --config FILE\n`);
    return 2;
  }
  let memory: MemoryStore;
  let postmortemDir: string;
  try {
    const config = await loadConfig(file);
    postmortemDir = config.postmortemDir;
    memory = await openMemory(config.memory);
  } catch (err) {
    if (err instanceof ConfigError || err instanceof MemoryUnavailableError) {
      process.stderr.write(`firebreak incidents: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  try {
    const store = new IncidentStore(memory);
    const postmortem = (id: string): string | undefined => {
      const path = join(postmortemDir, id, 'postmortem.md');
      return existsSync(path) ? path : undefined;
    };
    const read = async (id: string): Promise<IncidentRecord | undefined> => {
      const record = await store.get(id);
      return record && withAlertLog(record, await readAlertLog(memory, id));
    };
    if (args.action === 'show') {
      const record = await read(args.id as string);
      if (!record) {
        process.stderr.write(`firebreak incidents: no incident '${args.id}' in ${file}'s memory; \`firebreak incidents list\` shows the known ones\n`);
        return 1;
      }
      const path = postmortem(record.id);
      process.stdout.write(args.json ? `${JSON.stringify(redactJson({ ...record, ...(path ? { postmortemPath: path } : {}) }), null, 2)}\n` : showText(record, path));
      return 0;
    }
    const rows = [];
    for (const s of (await store.list()).slice(0, args.limit)) {
      const record = await read(s.id);
      if (record) rows.push(listRow(record, postmortem(record.id)));
    }
    process.stdout.write(args.json ? `${JSON.stringify(redactJson(rows), null, 2)}\n` : listText(rows));
    return 0;
  } finally {
    await memory.close();
  }
}

type Row = ReturnType<typeof listRow>;

function listRow(r: IncidentRecord, postmortemPath: string | undefined) {
  return {
    id: r.id, status: r.status, severity: r.severity ?? null, title: r.title, startedAt: r.startedAt, endedAt: r.endedAt ?? null,
    alerts: (r.alerts ?? [{ fingerprint: r.alert.fingerprint ?? null, status: r.alert.status }]).map((a) => ({ fingerprint: a.fingerprint, status: a.status })),
    outcome: r.outcome ?? null, postmortemPath: postmortemPath ?? null,
  };
}

function listText(rows: Row[]): string {
  if (rows.length === 0) return 'no incidents\n';
  const table = [['ID', 'STATUS', 'SEV', 'STARTED', 'ENDED', 'ALERTS', 'TITLE'], ...rows.map((r) => [
    r.id, r.status, r.severity ?? '-', r.startedAt.slice(0, 19).replace('T', ' '), r.endedAt?.slice(0, 19).replace('T', ' ') ?? '-',
    alertsCell(r.alerts), r.title,
  ])];
  const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
  return table.map((row) => row.map((c, i) => (i === row.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')).join('\n') + '\n';
}

function alertsCell(alerts: Row['alerts']): string {
  const firing = alerts.filter((a) => a.status === 'firing').length;
  return `${alerts.length} (${firing} firing)`;
}

function showText(r: IncidentRecord, postmortemPath: string | undefined): string {
  const lines = [
    `incident ${r.id}: ${r.title}`,
    `  status      ${r.status}${r.stage ? ` (stage ${r.stage})` : ''}`,
    `  severity    ${r.severity ?? 'unknown'}`,
    `  alert       ${r.alert.title} [${r.alert.source}] ${Object.entries(r.alert.labels).map(([k, v]) => `${k}=${v}`).join(' ')}`,
    `  started     ${r.startedAt}`,
    `  ended       ${r.endedAt ?? '-'}`,
    `  outcome     ${r.outcome ? `${r.outcome.resolved ? 'resolved' : 'not resolved'}: ${r.outcome.summary}` : '-'}`,
    `  post-mortem ${postmortemPath ?? '-'}`,
    `  alerts      ${r.alerts ? alertsCell(r.alerts) : '-'}${r.sourceResolvedAt ? `; all resolved at the source (${r.sourceResolvedAt})` : ''}`,
    ...(r.alerts ?? []).map((a) => `    ${a.fingerprint}  ${a.status.padEnd(8)} ${a.title}  (${a.notifications} notification${a.notifications === 1 ? '' : 's'}, first ${a.firstSeenAt}${a.resolvedAt ? `, resolved ${a.resolvedAt}` : ''}${a.opened ? ', opened the incident' : ''})`),
    ...(r.actions.length ? ['  actions', ...r.actions.map((a) => `    ${a.at}  ${a.kind} ${a.ref}`)] : []),
    '  timeline',
    ...r.timeline.map((e) => `    ${e.at}  ${e.kind.padEnd(16)} ${e.summary.replace(/\s+/g, ' ').slice(0, 160)}`),
  ];
  return `${lines.join('\n')}\n`;
}

export const incidentsCommand: Command = {
  name: 'incidents',
  summary: 'list past incidents or show one, from the memory store',
  usage,
  run: incidents,
};
