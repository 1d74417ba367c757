import { distEntry } from './process.js';

/** One MCP server entry in the IDE format (Claude Desktop, Cursor, VS Code, firebreak's connectTools). */
export type LabMcpServer =
  | { readonly command: string; readonly args: readonly string[]; readonly env: Readonly<Record<string, string>> }
  | { readonly type: 'http'; readonly url: string };

export interface LabMcpInputs {
  readonly prometheusUrl: string;
  /** Log files by the job/service name they are selected with in LogQL (`{job="workflows-api"}`). */
  readonly logFiles: Readonly<Record<string, string>>;
  readonly forgeUrl: string;
  readonly forgeToken: string;
  readonly workspaceDir: string;
  readonly deployUrl: string;
  /** Sandbox isolation: bwrap (default) or process where user namespaces are unavailable. */
  readonly sandboxIsolation: 'bwrap' | 'process';
}

/**
 * The lab's `mcpServers`: grafana (Prometheus + the service's log file), github (the lab forge), sandbox
 * (a checkout of the service repo) as `node dist/cli/main.js tools <name>` over stdio, and the deployer
 * over Streamable HTTP (it runs inside the lab process, next to the processes it controls).
 *
 * Gotcha: the github entry carries the forge token in its env — it is the lab's own random token, but the
 * config is still a credential: print it for an IDE, never log it.
 */
export function labMcpServers(o: LabMcpInputs): Record<string, LabMcpServer> {
  const cli = distEntry('cli/main.js');
  const node = process.execPath;
  return {
    grafana: {
      command: node,
      args: [cli, 'tools', 'grafana'],
      env: {
        PROMETHEUS_URL: o.prometheusUrl,
        LOG_FILES: Object.entries(o.logFiles).map(([job, file]) => `${job}=${file}`).join(','),
      },
    },
    github: {
      command: node,
      args: [cli, 'tools', 'github', '--api-url', o.forgeUrl],
      env: { GITHUB_PERSONAL_ACCESS_TOKEN: o.forgeToken },
    },
    sandbox: {
      command: node,
      args: [cli, 'tools', 'sandbox', '--workspace', o.workspaceDir, '--isolation', o.sandboxIsolation, '--timeout-ms', '60000'],
      env: {},
    },
    deploy: { type: 'http', url: o.deployUrl },
  };
}
