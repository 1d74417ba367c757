import { basename, extname } from 'node:path';
import { BackendError } from '../errors.js';
import { LogFileReader, type LogSource } from './log-files.js';
import { compileLogQL } from './logql-eval.js';
import { parseLogQL } from './logql-parser.js';
import { msToNs, orderAndLimit, type LogEntry, type LogQuery, type LogQueryResult, type LogsBackend } from './types.js';

/**
 * Loki semantics over local JSON-lines files, for machines without Loki (a laptop, a CI drill): each file
 * is one stream labelled `job` (its configured name) and `filename`; LogQL selects files by those labels
 * and filters lines with line filters, `| json` / `| logfmt` and label filters.
 */
export class FileLogBackend implements LogsBackend {
  readonly name = 'log files';
  readonly #reader: LogFileReader;

  constructor(readonly sources: readonly LogSource[], opts: { maxBytesPerFile?: number } = {}) {
    this.#reader = new LogFileReader(opts.maxBytesPerFile ?? 64 * 1024 * 1024);
  }

  /** A source per `name=path` (or bare path, named after the file) entry, labelled job and filename. */
  static sourcesFrom(entries: readonly { name?: string; path: string }[]): LogSource[] {
    return entries.map(({ name, path }) => ({
      path,
      labels: { job: name ?? basename(path, extname(path)), filename: path },
    }));
  }

  async query(q: LogQuery, signal?: AbortSignal): Promise<LogQueryResult> {
    const compiled = compileLogQL(parseLogQL(q.logql));
    const entries: LogEntry[] = [];
    for (const source of this.sources) {
      if (!compiled.selects(source.labels)) continue;
      signal?.throwIfAborted();
      const records = await this.#read(source);
      for (const record of records) {
        // Loki's range is [start, end).
        if (record.ms < q.startMs || record.ms >= q.endMs) continue;
        if (!compiled.keeps(record, source.labels)) continue;
        entries.push({ timestamp: msToNs(record.ms), line: record.line, labels: source.labels });
      }
    }
    return { resultType: 'streams', entries: orderAndLimit(entries, q.direction, q.limit) };
  }

  async labelNames(): Promise<string[]> {
    return [...new Set(this.sources.flatMap((s) => Object.keys(s.labels)))].sort();
  }

  async labelValues(label: string): Promise<string[]> {
    const values = this.sources.map((s) => s.labels[label]).filter((v): v is string => v !== undefined);
    return [...new Set(values)].sort();
  }

  async #read(source: LogSource) {
    try {
      return await this.#reader.read(source.path);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      // A service that has not logged yet has no file: that is an empty stream, not an error.
      if (code === 'ENOENT') return [];
      throw new BackendError(this.name, `cannot read ${source.path}: ${code ?? (err as Error).message}`);
    }
  }
}
