import { Agent, request } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { formatConfigIssues } from '../target/config.js';
import { loadSpecSchema, profilePhases, type LoadPhase, type LoadSpec, type LoadSpecInput } from './profile.js';
import { StatsRecorder, type LoadStats, type RequestOutcome, type StatsWindow } from './stats.js';

/** Handle on a running load: it stops by itself at the end of its profile, or on stop(). */
export interface LoadController {
  /** Resolves with the final stats once the profile is over and in-flight requests have finished. */
  readonly done: Promise<LoadStats>;
  /** Stats so far, optionally for a window of the run (ms since start, by send time). */
  stats(window?: StatsWindow): LoadStats;
  /** ms since the load started. */
  elapsedMs(): number;
  /** Stops sending, aborts requests in flight (they are not counted), resolves with the final stats. */
  stop(): Promise<LoadStats>;
}

/** The spec failed validation; the message names the bad field. */
export class LoadSpecError extends Error {
  override readonly name = 'LoadSpecError';
  constructor(readonly issues: readonly string[]) {
    super(`invalid load spec: ${issues.join('; ')}`);
  }
}

/** Scheduler resolution: requests due within one tick are sent together, on time to within ~this. */
const TICK_MS = 5;

/** Validates a load spec (throws `LoadSpecError` naming the field). */
export function parseLoadSpec(input: LoadSpecInput | unknown): LoadSpec {
  const result = loadSpecSchema.safeParse(input);
  if (!result.success) throw new LoadSpecError(formatConfigIssues(result.error));
  return result.data;
}

/**
 * Starts an open-loop HTTP load against `spec.url + spec.path`: requests go out on a fixed schedule per
 * phase whatever the target's latency (a slow target does not slow the generator down, as real users do
 * not wait for each other), through a keep-alive agent with at most `maxInFlight` sockets.
 *
 * Bounded in time (the profile), count (`maxRequests`) and concurrency (`maxInFlight`; a request that
 * would exceed it is dropped and counted, never queued, so latency is not hidden by client queueing).
 * Every request is recorded, so `stats({ fromMs })` can leave out a warm-up.
 */
export function startLoad(input: LoadSpecInput): LoadController {
  const spec = parseLoadSpec(input);
  const target = new URL(spec.path, spec.url);
  const https = target.protocol === 'https:';
  const agent = https ? new HttpsAgent({ keepAlive: true, maxSockets: spec.maxInFlight }) : new Agent({ keepAlive: true, maxSockets: spec.maxInFlight });
  const send = https ? httpsRequest : request;
  const body = spec.body && spec.method !== 'GET' ? JSON.stringify(spec.body) : undefined;
  const headers: Record<string, string | number> = { accept: 'application/json' };
  if (body !== undefined) Object.assign(headers, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });

  const phases: LoadPhase[] = profilePhases(spec.profile);
  const recorder = new StatsRecorder(spec.maxRequests);
  const aborter = new AbortController();
  const start = performance.now();
  const now = (): number => performance.now() - start;
  let inFlight = 0;
  let scheduling = true;
  let phaseIndex = 0;
  let phaseStart = 0;
  let sentInPhase = 0;
  let finish: (stats: LoadStats) => void = () => undefined;
  const done = new Promise<LoadStats>((resolve) => (finish = resolve));

  const settleIfIdle = (): void => {
    if (scheduling || inFlight > 0) return;
    agent.destroy();
    finish(recorder.summarize(now()));
  };

  const fire = (atMs: number): void => {
    if (inFlight >= spec.maxInFlight || recorder.size() >= spec.maxRequests) {
      recorder.dropped(atMs);
      return;
    }
    const slot = recorder.sent(atMs);
    const sentAt = performance.now();
    inFlight++;
    let settled = false;
    const complete = (outcome: RequestOutcome | 'aborted'): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      inFlight--;
      if (outcome !== 'aborted') recorder.complete(slot, performance.now() - sentAt, outcome);
      settleIfIdle();
    };
    const req = send(target, { method: spec.method, agent, headers, signal: aborter.signal });
    const timer = setTimeout(() => {
      complete('timeout');
      req.destroy();
    }, spec.requestTimeoutMs);
    req.on('error', () => complete(aborter.signal.aborted ? 'aborted' : 'error'));
    req.on('response', (res) => {
      const cut = (): void => complete(aborter.signal.aborted ? 'aborted' : 'error');
      res.on('error', cut);
      res.on('end', () => complete(res.statusCode ?? 0));
      // 'close' without 'end': the connection died mid-response.
      res.on('close', () => (res.complete ? complete(res.statusCode ?? 0) : cut()));
      res.resume();
    });
    req.end(body);
  };

  // Fixed-schedule sender: request k of a phase is due at phaseStart + k / rate; each tick sends everything
  // due so far, so timer jitter delays requests by at most a tick instead of dropping the rate.
  const tick = (): void => {
    const t = now();
    while (scheduling) {
      const phase = phases[phaseIndex];
      if (!phase) {
        scheduling = false;
        break;
      }
      const phaseEnd = phaseStart + phase.durationMs;
      const interval = phase.ratePerSec > 0 ? 1000 / phase.ratePerSec : Infinity;
      while (true) {
        const due = phaseStart + sentInPhase * interval;
        if (due > t || due >= phaseEnd) break;
        fire(due);
        sentInPhase++;
      }
      if (t < phaseEnd) break;
      phaseIndex++;
      phaseStart = phaseEnd;
      sentInPhase = 0;
    }
    if (!scheduling) {
      clearInterval(ticker);
      settleIfIdle();
    }
  };
  const ticker = setInterval(tick, TICK_MS);
  setImmediate(tick);

  return {
    done,
    elapsedMs: now,
    stats: (window) => recorder.summarize(now(), window),
    stop: () => {
      if (scheduling) {
        scheduling = false;
        clearInterval(ticker);
        aborter.abort();
        settleIfIdle();
      }
      return done;
    },
  };
}
