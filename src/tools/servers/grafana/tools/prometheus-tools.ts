import { z } from 'zod';
import { ToolInputError } from '../errors.js';
import type { QueryData } from '../prometheus.js';
import { parseTime, parseTimeOr, toRfc3339 } from '../time.js';
import { datasourceUid, READ_ONLY, selectorSchema, selectorString, timeArg, tool, type ToolDeps } from './common.js';

// Prometheus refuses range queries of more than 11,000 points per series.
const MAX_POINTS = 11_000;
// Without stepSeconds, aim for a readable number of points per series.
const TARGET_POINTS = 250;

/** query_prometheus, list_prometheus_metric_names, list_prometheus_label_names, list_prometheus_label_values. */
export function registerPrometheusTools({ server, datasources }: ToolDeps): void {
  const secrets = datasources.secrets;

  server.registerTool('query_prometheus', {
    title: 'Query Prometheus metrics',
    description: 'WORKFLOW: list_prometheus_metric_names -> list_prometheus_label_values -> query_prometheus. Query Prometheus using a PromQL expression. Supports instant queries (single point) and range queries (time range). Time: RFC3339 or relative expressions like \'now\', \'now-1h\'.',
    inputSchema: {
      datasourceUid,
      expr: z.string().min(1).max(20_000).describe('The PromQL expression to query'),
      queryType: z.enum(['range', 'instant']).default('range').describe("'range' (default) or 'instant'"),
      startTime: timeArg('The start time (range) or the evaluation time (instant); default now-1h (range) / now (instant)'),
      endTime: timeArg('The end time of a range query; default now'),
      stepSeconds: z.int().positive().max(86_400).optional().describe('The step of a range query in seconds; default: about 250 points'),
    },
    annotations: { title: 'Query Prometheus metrics', ...READ_ONLY },
  }, tool(secrets, async (args, extra) => {
    const prom = await datasources.prometheus(args.datasourceUid, extra.signal);
    const now = Date.now();
    let data: QueryData;
    let window: Record<string, unknown>;
    if (args.queryType === 'instant') {
      const at = parseTimeOr(args.startTime, 'now', 'startTime', now);
      data = await prom.query(args.expr, at, extra.signal);
      window = { time: toRfc3339(at) };
    } else {
      const start = parseTimeOr(args.startTime, 'now-1h', 'startTime', now);
      const end = parseTimeOr(args.endTime, 'now', 'endTime', now);
      if (end <= start) throw new ToolInputError('endTime', `must be after startTime (${toRfc3339(start)})`);
      const step = args.stepSeconds ?? Math.max(1, Math.ceil((end - start) / 1000 / TARGET_POINTS));
      const points = Math.floor((end - start) / 1000 / step) + 1;
      if (points > MAX_POINTS) throw new ToolInputError('stepSeconds', `${step} s over this range gives ${points} points per series; Prometheus allows ${MAX_POINTS}: use a larger step`);
      data = await prom.queryRange(args.expr, start, end, step, extra.signal);
      window = { startTime: toRfc3339(start), endTime: toRfc3339(end), stepSeconds: step };
    }
    const result: Record<string, unknown> = { resultType: data.resultType, result: data.result, queryType: args.queryType, ...window };
    if (Array.isArray(data.result) && data.result.length === 0) {
      result.hints = {
        summary: 'The query returned no data.',
        suggestions: [
          'Check the metric name with list_prometheus_metric_names and the labels with list_prometheus_label_values.',
          'Widen the time range: the series may have no samples in this window.',
          'rate()/increase() need at least two samples inside their [range]; use a range of at least 4x the scrape interval.',
        ],
      };
    }
    return result;
  }));

  server.registerTool('list_prometheus_metric_names', {
    title: 'List Prometheus metric names',
    description: 'DISCOVERY: Call this first to find available metrics before querying. Lists metric names in a Prometheus datasource, filtered by a regex, with pagination.',
    inputSchema: {
      datasourceUid,
      regex: z.string().max(1_000).optional().describe('A regex the metric names must match (unanchored)'),
      limit: z.int().min(1).max(10_000).default(10).describe('The maximum number of results to return (default 10)'),
      page: z.int().min(1).default(1).describe('The page number to return (default 1)'),
    },
    annotations: { title: 'List Prometheus metric names', ...READ_ONLY },
  }, tool(secrets, async (args, extra) => {
    let pattern: RegExp | undefined;
    if (args.regex) {
      try {
        pattern = new RegExp(args.regex);
      } catch (err) {
        throw new ToolInputError('regex', `invalid regular expression: ${(err as Error).message}`);
      }
    }
    const prom = await datasources.prometheus(args.datasourceUid, extra.signal);
    const all = (await prom.labelValues('__name__', {}, extra.signal)).filter((n) => !pattern || pattern.test(n));
    const start = (args.page - 1) * args.limit;
    const metricNames = all.slice(start, start + args.limit);
    return { metricNames, total: all.length, page: args.page, limit: args.limit, hasMore: start + args.limit < all.length };
  }));

  const labelQuery = {
    datasourceUid,
    matches: z.array(selectorSchema).max(20).optional().describe('Optionally, series selectors to filter by, e.g. [{"filters":[{"name":"job","value":"api","type":"="}]}]'),
    startRfc3339: timeArg('Optionally, the start of the time range'),
    endRfc3339: timeArg('Optionally, the end of the time range'),
    limit: z.int().min(1).max(10_000).default(100).describe('The maximum number of results to return (default 100)'),
  };
  const rangeOf = (args: { startRfc3339?: string | undefined; endRfc3339?: string | undefined }) => ({
    ...(args.startRfc3339 ? { startMs: parseTime(args.startRfc3339, 'startRfc3339') } : {}),
    ...(args.endRfc3339 ? { endMs: parseTime(args.endRfc3339, 'endRfc3339') } : {}),
  });

  server.registerTool('list_prometheus_label_names', {
    title: 'List Prometheus label names',
    description: 'List label names in a Prometheus datasource. Allows filtering by series selectors and time range.',
    inputSchema: labelQuery,
    annotations: { title: 'List Prometheus label names', ...READ_ONLY },
  }, tool(secrets, async (args, extra) => {
    const prom = await datasources.prometheus(args.datasourceUid, extra.signal);
    const names = await prom.labelNames({ match: args.matches?.map(selectorString), ...rangeOf(args) }, extra.signal);
    return { labelNames: names.slice(0, args.limit), total: names.length };
  }));

  server.registerTool('list_prometheus_label_values', {
    title: 'List Prometheus label values',
    description: 'Get the values for a specific label name in Prometheus. Allows filtering by series selectors and time range.',
    inputSchema: { ...labelQuery, labelName: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'a label name').describe('The name of the label to query') },
    annotations: { title: 'List Prometheus label values', ...READ_ONLY },
  }, tool(secrets, async (args, extra) => {
    const prom = await datasources.prometheus(args.datasourceUid, extra.signal);
    const values = await prom.labelValues(args.labelName, { match: args.matches?.map(selectorString), ...rangeOf(args) }, extra.signal);
    return { labelName: args.labelName, labelValues: values.slice(0, args.limit), total: values.length };
  }));
}
