import type { ResolvedGrafanaOptions } from './config.js';
import { DatasourceNotFoundError } from './errors.js';
import { GrafanaApi } from './grafana-api.js';
import type { HttpTarget } from './http.js';
import { FileLogBackend } from './logs/file-logs.js';
import { LokiHttpClient } from './logs/loki-http.js';
import type { LogsBackend } from './logs/types.js';
import { PrometheusClient } from './prometheus.js';

export interface DatasourceInfo {
  id: number;
  uid: string;
  name: string;
  type: string;
  isDefault: boolean;
  /** direct: PROMETHEUS_URL / LOKI_URL; file: LOG_FILES; grafana: one of Grafana's datasources. */
  source: 'direct' | 'file' | 'grafana';
}

type Kind = 'prometheus' | 'loki';

/**
 * Every datasource the server can query — the directly configured backends (uids `prometheus`, `loki`,
 * `logs`) and Grafana's own — and the client for each. A tool's `datasourceUid` picks one; without it, the
 * directly configured backend of the right type wins, then Grafana's default of that type.
 */
export class Datasources {
  readonly grafana: GrafanaApi | undefined;
  readonly #direct: DatasourceInfo[] = [];
  readonly #prometheus = new Map<string, PrometheusClient>();
  readonly #logs = new Map<string, LogsBackend>();

  constructor(private readonly opts: ResolvedGrafanaOptions, readonly secrets: readonly string[]) {
    if (opts.prometheusUrl) {
      this.#direct.push({ id: 0, uid: 'prometheus', name: 'Prometheus', type: 'prometheus', isDefault: true, source: 'direct' });
      this.#prometheus.set('prometheus', new PrometheusClient(this.#target('prometheus', opts.prometheusUrl, {})));
    }
    if (opts.lokiUrl) {
      this.#direct.push({ id: 0, uid: 'loki', name: 'Loki', type: 'loki', isDefault: true, source: 'direct' });
      this.#logs.set('loki', new LokiHttpClient(this.#target('loki', opts.lokiUrl, {})));
    }
    if (opts.logFiles.length > 0) {
      this.#direct.push({ id: 0, uid: 'logs', name: 'Log files', type: 'loki', isDefault: !opts.lokiUrl, source: 'file' });
      this.#logs.set('logs', new FileLogBackend(FileLogBackend.sourcesFrom(opts.logFiles), { maxBytesPerFile: opts.maxLogFileBytes }));
    }
    if (opts.grafanaUrl) this.grafana = new GrafanaApi(this.#target('grafana', opts.grafanaUrl, this.#auth()));
  }

  /** Direct and file datasources, then Grafana's (if Grafana is configured and reachable). */
  async list(signal?: AbortSignal): Promise<DatasourceInfo[]> {
    const fromGrafana = this.grafana ? (await this.grafana.datasources(signal)).map((d): DatasourceInfo => ({ ...d, source: 'grafana' })) : [];
    return [...this.#direct, ...fromGrafana];
  }

  async prometheus(uid: string | undefined, signal?: AbortSignal): Promise<PrometheusClient> {
    const info = await this.#resolve('prometheus', uid, signal);
    let client = this.#prometheus.get(info.uid);
    if (!client) {
      client = new PrometheusClient(this.#proxy(info));
      this.#prometheus.set(info.uid, client);
    }
    return client;
  }

  async logs(uid: string | undefined, signal?: AbortSignal): Promise<LogsBackend> {
    const info = await this.#resolve('loki', uid, signal);
    let backend = this.#logs.get(info.uid);
    if (!backend) {
      backend = new LokiHttpClient(this.#proxy(info));
      this.#logs.set(info.uid, backend);
    }
    return backend;
  }

  /**
   * Where alert rules come from: a Prometheus datasource's /api/v1/rules when `uid` is given; otherwise
   * Grafana-managed rules when Grafana is configured, else the directly configured Prometheus.
   */
  async rules(uid: string | undefined, signal?: AbortSignal): Promise<{ client: PrometheusClient; source: string }> {
    if (uid === undefined && this.grafana && this.opts.grafanaUrl) {
      const target = this.#target('grafana alerting', this.opts.grafanaUrl, this.#auth());
      return { client: new PrometheusClient(target, '/api/prometheus/grafana/api/v1/rules'), source: 'grafana' };
    }
    const client = await this.prometheus(uid, signal);
    return { client, source: client.target.name };
  }

  async #resolve(kind: Kind, uid: string | undefined, signal?: AbortSignal): Promise<DatasourceInfo> {
    const direct = this.#direct.filter((d) => d.type === kind);
    if (uid !== undefined) {
      const found = this.#direct.find((d) => d.uid === uid) ?? (this.grafana ? (await this.list(signal)).find((d) => d.uid === uid) : undefined);
      if (!found) {
        const known = (this.grafana ? await this.list(signal) : this.#direct).filter((d) => d.type === kind).map((d) => d.uid);
        throw new DatasourceNotFoundError(`datasourceUid: no datasource '${uid}'${known.length ? `; ${kind} datasources: ${known.join(', ')}` : ''}`);
      }
      if (found.type !== kind) throw new DatasourceNotFoundError(`datasourceUid: '${uid}' is a ${found.type} datasource, not ${kind}`);
      return found;
    }
    const preferred = direct.find((d) => d.isDefault) ?? direct[0];
    if (preferred) return preferred;
    if (this.grafana) {
      const ofKind = (await this.grafana.datasources(signal)).filter((d) => d.type === kind);
      const chosen = ofKind.find((d) => d.isDefault) ?? ofKind[0];
      if (chosen) return { ...chosen, source: 'grafana' };
    }
    const hint = kind === 'prometheus' ? 'PROMETHEUS_URL or GRAFANA_URL' : 'LOKI_URL, LOG_FILES or GRAFANA_URL';
    throw new DatasourceNotFoundError(`no ${kind} datasource is configured (set ${hint})`);
  }

  #proxy(info: DatasourceInfo): HttpTarget {
    // Only Grafana datasources lack a client at this point; direct ones were created in the constructor.
    return this.#target(`${info.type} '${info.name}' via grafana`, `${this.opts.grafanaUrl ?? ''}/api/datasources/proxy/uid/${encodeURIComponent(info.uid)}`, this.#auth());
  }

  #auth(): Record<string, string> {
    return this.opts.grafanaToken ? { authorization: `Bearer ${this.opts.grafanaToken}` } : {};
  }

  #target(name: string, baseUrl: string, headers: Record<string, string>): HttpTarget {
    return { name, baseUrl, headers, timeoutMs: this.opts.requestTimeoutMs, secrets: this.secrets };
  }
}
