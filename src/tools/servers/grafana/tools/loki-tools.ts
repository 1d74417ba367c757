import { z } from 'zod';
import { ToolInputError } from '../errors.js';
import { parseTimeOr, toRfc3339 } from '../time.js';
import { datasourceUid, READ_ONLY, timeArg, tool, type ToolDeps } from './common.js';

/** query_loki_logs, list_loki_label_names, list_loki_label_values — over Loki or local log files. */
export function registerLokiTools({ server, datasources, maxLokiLogLimit }: ToolDeps): void {
  const secrets = datasources.secrets;
  const range = (args: { startRfc3339?: string | undefined; endRfc3339?: string | undefined }): [number, number] => {
    const now = Date.now();
    const start = parseTimeOr(args.startRfc3339, 'now-1h', 'startRfc3339', now);
    const end = parseTimeOr(args.endRfc3339, 'now', 'endRfc3339', now);
    if (end <= start) throw new ToolInputError('endRfc3339', `must be after startRfc3339 (${toRfc3339(start)})`);
    return [start, end];
  };

  server.registerTool('query_loki_logs', {
    title: 'Query Loki logs',
    description: `Executes a LogQL query against a Loki datasource (or the configured log files) and returns matching log entries. Defaults to the last hour, a limit of 10 entries, and 'backward' direction (newest first). Example: {job="api"} |= "error" | json | level >= 50. Use list_loki_label_names / list_loki_label_values to find stream labels first. At most ${maxLokiLogLimit} lines per call: narrow the time range or add filters for more.`,
    inputSchema: {
      datasourceUid,
      logql: z.string().min(1).max(10_000).describe('The LogQL query: a stream selector such as {job="api"}, then line filters (|= != |~ !~), parsers (| json, | logfmt) and label filters (| level="error", | status >= 500)'),
      startRfc3339: timeArg('Optionally, the start time of the query (default now-1h)'),
      endRfc3339: timeArg('Optionally, the end time of the query (default now)'),
      limit: z.int().min(1).max(100_000).default(10).describe(`Optionally, the maximum number of log lines to return (default 10, at most ${maxLokiLogLimit})`),
      direction: z.enum(['forward', 'backward']).default('backward').describe("'backward' (newest first, default) or 'forward' (oldest first)"),
    },
    annotations: { title: 'Query Loki logs', ...READ_ONLY },
  }, tool(secrets, async (args, extra) => {
    const [start, end] = range(args);
    const limit = Math.min(args.limit, maxLokiLogLimit);
    const backend = await datasources.logs(args.datasourceUid, extra.signal);
    // One extra line tells whether the answer was cut at the limit.
    const result = await backend.query({ logql: args.logql, startMs: start, endMs: end, limit: limit + 1, direction: args.direction }, extra.signal);
    const truncated = result.resultType === 'streams' && result.entries.length > limit;
    const data = truncated ? result.entries.slice(0, limit) : result.entries;
    const out: Record<string, unknown> = {
      data,
      resultType: result.resultType,
      metadata: { linesReturned: data.length, maxLinesAllowed: limit, resultsTruncated: truncated, startTime: toRfc3339(start), endTime: toRfc3339(end) },
    };
    if (data.length === 0) {
      out.hints = {
        summary: 'No log lines matched.',
        suggestions: [
          'Check the stream selector labels with list_loki_label_names and list_loki_label_values.',
          'Widen the time range (startRfc3339 / endRfc3339).',
          'Remove line or label filters one at a time to see which one excludes everything.',
        ],
      };
    }
    return out;
  }));

  const labelRange = {
    datasourceUid,
    startRfc3339: timeArg('Optionally, the start time (default now-1h)'),
    endRfc3339: timeArg('Optionally, the end time (default now)'),
  };

  server.registerTool('list_loki_label_names', {
    title: 'List Loki label names',
    description: 'Lists all available label names (keys) of the log streams in a Loki datasource (or the configured log files) and time range. Defaults to the last hour.',
    inputSchema: labelRange,
    annotations: { title: 'List Loki label names', ...READ_ONLY },
  }, tool(secrets, async (args, extra) => {
    const [start, end] = range(args);
    const backend = await datasources.logs(args.datasourceUid, extra.signal);
    return { labelNames: await backend.labelNames(start, end, extra.signal) };
  }));

  server.registerTool('list_loki_label_values', {
    title: 'List Loki label values',
    description: 'Retrieves all unique values of a stream label (e.g. job, app, env) within a Loki datasource (or the configured log files) and time range. Defaults to the last hour.',
    inputSchema: { ...labelRange, labelName: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'a label name').describe("The label to list values of (e.g. 'job')") },
    annotations: { title: 'List Loki label values', ...READ_ONLY },
  }, tool(secrets, async (args, extra) => {
    const [start, end] = range(args);
    const backend = await datasources.logs(args.datasourceUid, extra.signal);
    return { labelName: args.labelName, labelValues: await backend.labelValues(args.labelName, start, end, extra.signal) };
  }));
}
