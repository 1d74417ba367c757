import type { ToolAnnotations, ToolSpec } from '../../tools/types.js';

/**
 * Representative specs of the built-in MCP servers' tools (names and parameters of grafana/mcp-grafana,
 * github/github-mcp-server, firebreak's sandbox and the lab deployer), qualified `server.tool`.
 *
 * What it is for: sizing each persona's fixed context offline (bench/personas.bench.ts), docs, and tests
 * that need realistic tool lists without starting servers. It is not a tool set: real calls go through the
 * tool host. When a real server changes a description or parameter, update the spec here (the bench also
 * measures the live servers when their factories are available, and prints both figures).
 */

type Prop = { type: string; description?: string; enum?: string[]; items?: Record<string, unknown>; properties?: Record<string, unknown>; required?: string[] };

function tool(name: string, description: string, properties: Record<string, Prop>, required: string[], annotations: ToolAnnotations): ToolSpec {
  return { name, description, inputSchema: { type: 'object', properties, required, additionalProperties: false }, annotations };
}

const READ: ToolAnnotations = { readOnlyHint: true };
const WRITE: ToolAnnotations = { readOnlyHint: false, destructiveHint: false };
const DESTRUCTIVE: ToolAnnotations = { readOnlyHint: false, destructiveHint: true };
const s = (description: string): Prop => ({ type: 'string', description });
const n = (description: string): Prop => ({ type: 'number', description });
const owner = s('Repository owner');
const repo = s('Repository name');
const datasourceUid = s('The UID of the datasource to query');

export const grafanaTools: ToolSpec[] = [
  tool('grafana.query_prometheus', 'Query Prometheus using a PromQL expression. Supports instant queries (at a single point in time) and range queries (over a time range). Times accept RFC3339 or relative (now, now-15m).', {
    datasourceUid, expr: s('The PromQL expression to query'), queryType: { type: 'string', enum: ['instant', 'range'], description: 'The type of query to use' },
    startTime: s('Start time (RFC3339 or now-15m)'), endTime: s('End time (RFC3339 or now); range queries only'), stepSeconds: { type: 'integer', description: 'Step in seconds for range queries' },
  }, ['expr'], READ),
  tool('grafana.list_prometheus_metric_names', 'List metric names in a Prometheus datasource. Retrieves all metric names and then filters them locally using the provided regex.', {
    datasourceUid, regex: s('The regex to match against the metric names'), limit: { type: 'integer', description: 'Max results' },
  }, [], READ),
  tool('grafana.list_prometheus_label_values', 'Get the values for a specific label name in Prometheus.', {
    datasourceUid, labelName: s('The name of the label to query'), limit: { type: 'integer', description: 'Max results' },
  }, ['labelName'], READ),
  tool('grafana.query_loki_logs', 'Executes a LogQL query against a Loki datasource to retrieve log entries or metric values. Returns a list of results, each with a timestamp, labels, and a log line or value.', {
    datasourceUid, logql: s('The LogQL query to execute'), startRfc3339: s('Start time (RFC3339); default 1 hour ago'), endRfc3339: s('End time (RFC3339); default now'),
    limit: { type: 'integer', description: 'Max log lines (default 10, max 100)' }, direction: { type: 'string', enum: ['forward', 'backward'], description: 'Order of results' },
  }, ['logql'], READ),
  tool('grafana.list_loki_label_names', 'Lists all available label names (keys) found in logs within a Loki datasource and time range.', {
    datasourceUid, startRfc3339: s('Start time (RFC3339)'), endRfc3339: s('End time (RFC3339)'),
  }, [], READ),
  tool('grafana.alerting_manage_rules', 'Manage Grafana alert rules. operation list: all rules with their state (firing, pending, inactive); get: one rule by UID.', {
    operation: { type: 'string', enum: ['list', 'get'], description: 'Operation' }, ruleUid: s('Rule UID (for get)'), labelSelector: s('Filter by label, e.g. severity=critical'),
  }, ['operation'], READ),
  tool('grafana.list_datasources', 'List available Grafana datasources, optionally filtered by type.', { type: s('Datasource type, e.g. prometheus, loki') }, [], READ),
  tool('grafana.create_annotation', 'Create an annotation on a dashboard or globally (deploys, rollbacks, incidents).', {
    text: s('Annotation text'), tags: { type: 'array', items: { type: 'string' }, description: 'Tags' }, time: n('Epoch ms; default now'),
  }, ['text'], WRITE),
];

export const githubTools: ToolSpec[] = [
  tool('github.get_file_contents', 'Get the contents of a file or directory from a GitHub repository', {
    owner, repo, path: s('Path to file/directory'), ref: s('Git ref such as refs/heads/{branch}'), sha: s('Commit SHA; used instead of ref'),
  }, ['owner', 'repo'], READ),
  tool('github.list_commits', 'Get list of commits of a branch in a GitHub repository', {
    owner, repo, sha: s('Commit SHA, branch or tag name'), author: s('Author username or email'), page: n('Page number'), perPage: n('Results per page (max 100)'),
  }, ['owner', 'repo'], READ),
  tool('github.get_commit', 'Get details for a commit from a GitHub repository: message, parents and the files it changed.', {
    owner, repo, sha: s('Commit SHA, branch name, or tag name'), include_diff: { type: 'boolean', description: 'Include file diffs and stats (default true)' }, page: n('Page number'), perPage: n('Results per page (max 100)'),
  }, ['owner', 'repo', 'sha'], READ),
  tool('github.pull_request_read', 'Get information on a specific pull request. Methods: get, get_diff, get_status, get_files.', {
    method: { type: 'string', enum: ['get', 'get_diff', 'get_status', 'get_files'], description: 'What to retrieve' }, owner, repo, pullNumber: n('Pull request number'),
  }, ['method', 'owner', 'repo', 'pullNumber'], READ),
  tool('github.create_branch', 'Create a new branch in a GitHub repository', {
    owner, repo, branch: s('Name for new branch'), from_branch: s('Source branch (defaults to repo default)'),
  }, ['owner', 'repo', 'branch'], WRITE),
  tool('github.create_or_update_file', 'Create or update a single file in a GitHub repository. To update, pass the SHA of the file being replaced.', {
    owner, repo, path: s('Path where to create/update the file'), content: s('Content of the file'), message: s('Commit message'), branch: s('Branch to create/update the file in'), sha: s('SHA of the file being replaced'),
  }, ['owner', 'repo', 'path', 'content', 'message', 'branch'], WRITE),
  tool('github.push_files', 'Push multiple files to a GitHub repository in a single commit', {
    owner, repo, branch: s('Branch to push to'), message: s('Commit message'),
    files: { type: 'array', description: 'Files to push', items: { type: 'object', properties: { path: { type: 'string' }, content: { type: 'string' } }, required: ['path', 'content'] } },
  }, ['owner', 'repo', 'branch', 'files', 'message'], WRITE),
  tool('github.create_pull_request', 'Create a new pull request in a GitHub repository.', {
    owner, repo, title: s('PR title'), head: s('Branch containing changes'), base: s('Branch to merge into'), body: s('PR description'), draft: { type: 'boolean', description: 'Create as draft PR' },
  }, ['owner', 'repo', 'title', 'head', 'base'], WRITE),
  tool('github.merge_pull_request', 'Merge a pull request in a GitHub repository.', {
    owner, repo, pullNumber: n('Pull request number'), commit_title: s('Title for merge commit'), commit_message: s('Extra detail for merge commit'),
    merge_method: { type: 'string', enum: ['merge', 'squash', 'rebase'], description: 'Merge method' },
  }, ['owner', 'repo', 'pullNumber'], DESTRUCTIVE),
];

export const sandboxTools: ToolSpec[] = [
  tool('sandbox.run_code', 'Run a snippet in an isolated sandbox (no network) in the workspace. Returns exit code, stdout, stderr, duration, timedOut.', {
    language: { type: 'string', enum: ['javascript', 'typescript', 'python', 'bash'], description: 'Language' }, code: s('Source code'), timeoutMs: n('Wall-clock limit'),
  }, ['language', 'code'], { readOnlyHint: false, openWorldHint: false }),
  tool('sandbox.run_command', 'Run a command (e.g. the test suite) in the isolated workspace checkout. Returns exit code, stdout, stderr, duration, timedOut.', {
    command: s('Executable'), args: { type: 'array', items: { type: 'string' }, description: 'Arguments' }, timeoutMs: n('Wall-clock limit'), cwd: s('Directory relative to the workspace'),
  }, ['command'], { readOnlyHint: false, openWorldHint: false }),
];

export const deployTools: ToolSpec[] = [
  tool('deploy.deploy_service', 'Deploy the service at a git ref (rolling restart), then health-check it. Returns the rollout record.', { ref: s('Git ref or commit SHA to deploy') }, ['ref'], DESTRUCTIVE),
  tool('deploy.rollback', 'Roll back to the previous healthy rollout.', { reason: s('Why') }, [], DESTRUCTIVE),
  tool('deploy.rollout_status', 'Status of the current rollout: ref, state (in_progress, healthy, failed), health checks.', {}, [], READ),
  tool('deploy.maintenance_mode', 'Turn maintenance mode on or off (requests get a 503 page while on).', { enabled: { type: 'boolean', description: 'On or off' } }, ['enabled'], DESTRUCTIVE),
];

/** Every representative tool, for sizing and offline tests. */
export const builtinToolCatalog: readonly ToolSpec[] = [...grafanaTools, ...githubTools, ...sandboxTools, ...deployTools];
