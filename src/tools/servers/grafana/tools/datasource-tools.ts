import { z } from 'zod';
import { READ_ONLY, tool, type ToolDeps } from './common.js';

/** list_datasources: the directly configured backends, the log files, and Grafana's datasources. */
export function registerDatasourceTools({ server, datasources }: ToolDeps): void {
  server.registerTool('list_datasources', {
    title: 'List datasources',
    description: "List the datasources this server can query, optionally filtered by type ('prometheus', 'loki'). Use a datasource's uid as datasourceUid in the query tools.",
    inputSchema: {
      type: z.string().max(100).optional().describe("The type of datasources to search for, e.g. 'prometheus', 'loki'"),
      limit: z.int().min(1).max(100).default(50).describe('Maximum number of datasources to return (max 100)'),
      offset: z.int().min(0).default(0).describe('Number of datasources to skip for pagination'),
    },
    annotations: { title: 'List datasources', ...READ_ONLY },
  }, tool(datasources.secrets, async (args, extra) => {
    const all = (await datasources.list(extra.signal)).filter((d) => !args.type || d.type.toLowerCase().includes(args.type.toLowerCase()));
    const page = all.slice(args.offset, args.offset + args.limit);
    return { datasources: page, total: all.length, hasMore: args.offset + page.length < all.length };
  }));
}
