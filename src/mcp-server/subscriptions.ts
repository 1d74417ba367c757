import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { SubscribeRequestSchema, UnsubscribeRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from 'pino';
import type { IncidentService } from '../workflows/incident.js';
import { incidentUri, postmortemUri } from './incident-view.js';

export interface SubscriptionOptions {
  /** Changes to one incident within this window become one notification; default 250 ms. */
  coalesceMs?: number;
  logger?: Logger | undefined;
}

/**
 * resources/subscribe and resources/unsubscribe for this session, and the notifications that follow:
 * `notifications/resources/updated` for a subscribed incident (or its post-mortem) when it changes, and
 * `notifications/resources/list_changed` when an incident appears or ends (its post-mortem appears).
 *
 * Why coalesce: an incident changes on every timeline entry (dozens per minute while personas work); a
 * client re-reads the resource on each update, so one notification per window is what it can use.
 * Gotchas: any URI may be subscribed (the spec leaves unknown URIs to the server; answering {} keeps generic
 * clients working), but only incident URIs ever notify. Call the returned dispose when the session ends.
 * The server must declare `resources: { subscribe: true }` before connecting (see server.ts).
 */
export function registerSubscriptions(server: McpServer, incidents: IncidentService, opts: SubscriptionOptions = {}): () => void {
  const coalesceMs = opts.coalesceMs ?? 250;
  const subscribed = new Set<string>();
  /** Incidents this session has seen, and whether they had ended: a change of either is a list change. */
  const seen = new Map<string, boolean>();
  let changed = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  let disposed = false;

  server.server.setRequestHandler(SubscribeRequestSchema, async (req) => {
    subscribed.add(req.params.uri);
    return {};
  });
  server.server.setRequestHandler(UnsubscribeRequestSchema, async (req) => {
    subscribed.delete(req.params.uri);
    return {};
  });

  // Seed what the session already knows, so only real changes announce a new list.
  void incidents.list().then((all) => {
    for (const s of all) if (!seen.has(s.id)) seen.set(s.id, s.endedAt !== undefined);
  }, () => undefined);

  const flush = async (): Promise<void> => {
    timer = undefined;
    const ids = changed;
    changed = new Set();
    let listChanged = false;
    for (const id of ids) {
      const record = await incidents.get(id).catch(() => undefined);
      const ended = record?.endedAt !== undefined;
      if (seen.get(id) !== ended) listChanged = true;
      seen.set(id, ended);
      if (disposed || !server.isConnected()) return;
      for (const uri of [incidentUri(id), postmortemUri(id)]) {
        if (subscribed.has(uri)) await server.server.sendResourceUpdated({ uri }).catch((err: unknown) => opts.logger?.debug({ err, uri }, 'resource update not sent'));
      }
    }
    if (listChanged && !disposed && server.isConnected()) server.sendResourceListChanged();
  };

  const off = incidents.onChange((id) => {
    if (disposed) return;
    changed.add(id);
    if (timer) return;
    timer = setTimeout(() => void flush(), coalesceMs);
    timer.unref();
  });

  return () => {
    disposed = true;
    off();
    if (timer) clearTimeout(timer);
    subscribed.clear();
  };
}
