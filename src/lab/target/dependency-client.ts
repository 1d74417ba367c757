import { Agent, request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Random } from './distribution.js';
import { DependencyAttemptError, DependencyUnavailableError } from './errors.js';

export interface DependencyClientOptions {
  readonly name: string;
  /** Base URL the lab provides for `name`, e.g. http://127.0.0.1:41234 */
  readonly baseUrl: string;
  readonly path: string;
  readonly timeoutMs: number;
  readonly retries: number;
  readonly backoffMs: number;
  readonly maxBackoffMs: number;
  readonly jitter: 'none' | 'full';
  readonly random?: Random;
}

export interface DependencyClientEvents {
  onAttempt?(outcome: 'ok' | 'error' | 'timeout', status: number | undefined, durationMs: number): void;
  onRetry?(attempt: number, delayMs: number, err: DependencyAttemptError): void;
}

export interface DependencyResponse {
  readonly status: number;
  readonly attempts: number;
  readonly body: string;
}

/**
 * The delay before retry number `retry` (1-based): exponential `backoffMs * 2^(retry-1)` capped at
 * `maxBackoffMs`; with `jitter: 'full'` a uniform draw in [0, that] (the AWS "full jitter" scheme).
 *
 * Without jitter, every request that failed at the same instant retries at the same instant: when the
 * dependency drops a batch of held requests at once, they come back as one wave (the thundering herd).
 */
export function backoffDelayMs(retry: number, options: Pick<DependencyClientOptions, 'backoffMs' | 'maxBackoffMs' | 'jitter'>, random: Random = Math.random): number {
  const ceiling = Math.min(options.maxBackoffMs, options.backoffMs * 2 ** (retry - 1));
  return options.jitter === 'full' ? random() * ceiling : ceiling;
}

/**
 * HTTP client for the lab dependency with retries and exponential backoff. Retries on 5xx, 429, timeouts
 * and network errors; 4xx other than 429 is the caller's fault and returns at once. Throws
 * `DependencyUnavailableError` when every attempt failed. Uses a keep-alive agent with bounded sockets.
 */
export class DependencyClient {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 512 });
  private readonly random: Random;
  private readonly closing = new AbortController();

  constructor(
    private readonly options: DependencyClientOptions,
    private readonly events: DependencyClientEvents = {},
  ) {
    this.random = options.random ?? Math.random;
  }

  /** POSTs `body` to the dependency, retrying per the policy. */
  async call(body: string): Promise<DependencyResponse> {
    const attempts = this.options.retries + 1;
    for (let attempt = 1; ; attempt++) {
      try {
        const res = await this.attempt(body);
        return { ...res, attempts: attempt };
      } catch (err) {
        if (!(err instanceof DependencyAttemptError)) throw err;
        if (attempt >= attempts || this.closing.signal.aborted) throw new DependencyUnavailableError(this.options.name, attempt, err);
        const delayMs = backoffDelayMs(attempt, this.options, this.random);
        this.events.onRetry?.(attempt, delayMs, err);
        try {
          await sleep(delayMs, undefined, { signal: this.closing.signal });
        } catch {
          throw new DependencyUnavailableError(this.options.name, attempt, err);
        }
      }
    }
  }

  /** Aborts pending backoff sleeps and closes pooled sockets. */
  close(): void {
    this.closing.abort();
    this.agent.destroy();
  }

  private attempt(body: string): Promise<{ status: number; body: string }> {
    const started = performance.now();
    const url = new URL(this.options.path, this.options.baseUrl);
    const name = this.options.name;
    return new Promise((resolve, reject) => {
      const req = request(url, {
        method: 'POST',
        agent: this.agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        signal: this.closing.signal,
      });
      const timer = setTimeout(() => req.destroy(new DependencyAttemptError(name, undefined, 'timeout', `${name} did not answer within ${this.options.timeoutMs} ms`)), this.options.timeoutMs);
      let settled = false;
      const fail = (err: DependencyAttemptError): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.events.onAttempt?.(err.reason === 'timeout' ? 'timeout' : 'error', err.status, performance.now() - started);
        reject(err);
      };
      req.on('error', (err) => {
        fail(err instanceof DependencyAttemptError ? err : new DependencyAttemptError(name, undefined, 'network', `${name} request failed: ${err.message}`));
      });
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (err) => fail(new DependencyAttemptError(name, res.statusCode, 'network', `${name} response failed: ${err.message}`)));
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          const text = Buffer.concat(chunks).toString('utf8');
          if (status >= 500 || status === 429) {
            fail(new DependencyAttemptError(name, status, 'status', `${name} answered ${status}${text ? `: ${text.slice(0, 200)}` : ''}`));
            return;
          }
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          this.events.onAttempt?.('ok', status, performance.now() - started);
          resolve({ status, body: text });
        });
      });
      req.end(body);
    });
  }
}
