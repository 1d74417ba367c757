import { z } from 'zod';
import { ToolInputError } from '../errors.js';
import type { PromRule, PromRuleGroup } from '../prometheus.js';
import { READ_ONLY, tool, type ToolDeps } from './common.js';

const STATES = ['firing', 'pending', 'normal', 'recovering', 'nodata', 'error'] as const;
type RuleState = (typeof STATES)[number];

interface FlatRule {
  uid: string;
  group: PromRuleGroup;
  rule: PromRule;
  state: string;
}

/** alerting_manage_rules (read operations): alert rules with their live state, from Prometheus or Grafana. */
export function registerAlertingTools({ server, datasources }: ToolDeps): void {
  server.registerTool('alerting_manage_rules', {
    title: 'Manage alert rules',
    description: "Read alert rules and their current state. operation 'list' searches rules (filter by state, group, name, type), with each rule's query, and says which are firing; 'get' returns one rule's full detail by rule_uid, including its active alert instances. Without datasource_uid: Grafana-managed rules when Grafana is configured, else the rules of the configured Prometheus.",
    inputSchema: {
      operation: z.enum(['list', 'get']).describe("'list' to search/filter rules, 'get' to retrieve one rule (state + configuration) by rule_uid"),
      rule_uid: z.string().min(1).max(500).optional().describe("The UID of the alert rule (required for 'get'); for Prometheus rules it is 'group:name'"),
      datasource_uid: z.string().min(1).max(200).optional().describe('Optional: UID of a Prometheus datasource whose datasource-managed rules to read'),
      folder_uid: z.string().max(200).optional().describe("Filter by exact folder UID (for 'list', Grafana-managed rules)"),
      rule_group: z.string().max(500).optional().describe("Filter by exact rule group name (for 'list')"),
      search_rule_name: z.string().max(500).optional().describe("Filter by rule name, partial and case-insensitive (for 'list')"),
      states: z.array(z.enum(STATES)).max(STATES.length).optional().describe("Filter by state: firing, pending, normal, recovering, nodata, error (for 'list')"),
      rule_type: z.enum(['alerting', 'recording']).optional().describe("Filter by rule type (for 'list')"),
      rule_limit: z.int().min(1).max(200).default(200).describe("Maximum number of rules to return (for 'list'; default 200)"),
    },
    annotations: { title: 'Manage alert rules', ...READ_ONLY },
  }, tool(datasources.secrets, async (args, extra) => {
    const { client, source } = await datasources.rules(args.datasource_uid, extra.signal);
    const rules = flatten(await client.rules(extra.signal));
    if (args.operation === 'get') {
      if (!args.rule_uid) throw new ToolInputError('rule_uid', "required for operation 'get'");
      const found = rules.find((r) => r.uid === args.rule_uid);
      if (!found) {
        const known = rules.slice(0, 20).map((r) => r.uid);
        throw new ToolInputError('rule_uid', `no rule '${args.rule_uid}'${known.length ? `; rules: ${known.join(', ')}` : ' (there are no rules)'}`);
      }
      return { source, rule: detail(found) };
    }
    const needle = args.search_rule_name?.toLowerCase();
    const matching = rules.filter((r) =>
      (args.rule_group === undefined || r.group.name === args.rule_group) &&
      (args.folder_uid === undefined || (r.rule.folderUid ?? r.group.folderUid) === args.folder_uid) &&
      (needle === undefined || r.rule.name.toLowerCase().includes(needle)) &&
      (args.rule_type === undefined || r.rule.type === args.rule_type) &&
      (args.states === undefined || args.states.some((s) => inState(r, s))));
    return {
      source,
      total: matching.length,
      firing: matching.filter((r) => r.state === 'firing').length,
      pending: matching.filter((r) => r.state === 'pending').length,
      rules: matching.slice(0, args.rule_limit).map(summary),
    };
  }));
}

function flatten(groups: PromRuleGroup[]): FlatRule[] {
  return groups.flatMap((group) => group.rules.map((rule) => ({
    uid: rule.uid ?? `${group.name}:${rule.name}`,
    group,
    rule,
    // Prometheus says 'inactive' where Grafana says 'normal'; recording rules have no state.
    state: rule.type === 'recording' ? 'normal' : rule.state === 'inactive' || !rule.state ? 'normal' : rule.state.toLowerCase(),
  })));
}

function inState(r: FlatRule, state: RuleState): boolean {
  if (state === 'error') return r.rule.health === 'err' || r.rule.health === 'error';
  if (state === 'nodata') return r.rule.health === 'nodata' || r.state === 'nodata';
  return r.state === state;
}

/** Alert instance state: Prometheus says firing/pending, Grafana-managed rules Alerting/Pending/Normal. */
function alertState(state: string): string {
  const lower = state.toLowerCase();
  return lower === 'alerting' ? 'firing' : lower === 'inactive' ? 'normal' : lower;
}

function summary(r: FlatRule): Record<string, unknown> {
  return {
    uid: r.uid,
    title: r.rule.name,
    type: r.rule.type,
    state: r.state,
    health: r.rule.health,
    // The condition itself (for a Prometheus rule, the PromQL with its threshold): what "firing" means.
    ...(r.rule.query ? { query: r.rule.query } : {}),
    rule_group: r.group.name,
    ...(r.rule.folderUid ?? r.group.folderUid ? { folder_uid: r.rule.folderUid ?? r.group.folderUid } : {}),
    ...(r.rule.duration ? { for: `${r.rule.duration}s` } : {}),
    ...(r.rule.lastEvaluation ? { last_evaluation: r.rule.lastEvaluation } : {}),
    labels: r.rule.labels,
    annotations: r.rule.annotations,
    active_alerts: r.rule.alerts.filter((a) => alertState(a.state) === 'firing').length,
  };
}

function detail(r: FlatRule): Record<string, unknown> {
  return {
    ...summary(r),
    query: r.rule.query,
    ...(r.rule.lastError ? { last_error: r.rule.lastError } : {}),
    alerts: r.rule.alerts.map((a) => ({
      state: alertState(a.state),
      labels: a.labels,
      annotations: a.annotations,
      ...(a.activeAt ? { activeAt: a.activeAt } : {}),
      ...(a.value !== undefined ? { value: a.value } : {}),
    })),
  };
}
