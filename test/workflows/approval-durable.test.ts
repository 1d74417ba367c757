// The approval broker over a shared memory store, on every durable backend: requests made by one broker are
// seen and decided by others on their own connections (as another process would), the first decision wins
// when two land at once, the timeout escalates once, and a request outlives its waiter so that a resumed run
// re-attaches to it. Cross-process runs with the built CLI are in test/cli/approve.test.ts.
import { afterAll, describe, expect, it } from 'vitest';
import { openMemory, type MemoryStore } from '../../src/memory/index.js';
import { ApprovalBroker, type ApprovalDecision, type ApprovalRequest } from '../../src/workflows/approval-broker.js';
import { durableTargets } from '../memory/targets.js';

const targets = await durableTargets();
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups) await c();
});

const MERGE = { action: 'github.merge_pull_request', args: { owner: 'acme', repo: 'api', pullNumber: 7 }, persona: 'devops' };

/** Resolves with the next 'requested' request of a broker. */
function requested(broker: ApprovalBroker): Promise<ApprovalRequest> {
  return new Promise((resolve) => broker.once('requested', resolve));
}

for (const target of targets) {
  describe.skipIf(!target.available)(`durable approvals: ${target.name}`, () => {
    /** Opens `n` stores on one isolated URL: each is another connection, as another process would have. */
    async function stores(n: number): Promise<MemoryStore[]> {
      const { url, cleanup } = target.isolated();
      const opened = await Promise.all(Array.from({ length: n }, () => openMemory(url)));
      cleanups.push(async () => {
        for (const s of opened) await s.close();
        await cleanup();
      });
      return opened;
    }

    it('a request made through one store is listed and decided through another; the waiter sees it and who decided', async () => {
      const [a, b] = await stores(2);
      const waiter = new ApprovalBroker({ store: a! });
      const decider = new ApprovalBroker({ store: b! });
      const decided: [ApprovalRequest, ApprovalDecision][] = [];
      waiter.on('decided', (req: ApprovalRequest, d: ApprovalDecision) => decided.push([req, d]));
      const deciderEvents: unknown[] = [];
      decider.on('decided', (...e: unknown[]) => deciderEvents.push(e));
      const asked = requested(waiter);
      const waiting = waiter.request({ runId: 'inc-a', ...MERGE });
      const req = await asked;
      expect(req.expiresAt).toBeDefined();
      expect(await decider.pending()).toEqual([expect.objectContaining({ id: req.id, runId: 'inc-a', action: MERGE.action, args: MERGE.args })]);
      expect(await decider.pending('inc-other')).toEqual([]);
      expect(await decider.decide(req.id, { approved: true, by: 'cli:alice', reason: 'looks right' }, { runId: 'inc-a' })).toMatchObject({ status: 'decided' });
      const decision = await waiting;
      expect(decision).toMatchObject({ approved: true, by: 'cli:alice', reason: 'looks right', request: { id: req.id } });
      expect(decided.map(([r, d]) => [r.id, d.by])).toEqual([[req.id, 'cli:alice']]);
      // 'decided' is the waiting process's event: the deciding broker has nobody waiting.
      expect(deciderEvents).toEqual([]);
      expect(await decider.pending()).toEqual([]);
      expect(await waiter.pending('inc-a')).toEqual([]);
    });

    it('two deciders at once: exactly one wins, the other is told who did', async () => {
      const [a, b, c] = await stores(3);
      const waiter = new ApprovalBroker({ store: a! });
      const asked = requested(waiter);
      const waiting = waiter.request({ runId: 'inc-race', ...MERGE });
      const req = await asked;
      const [alice, bob] = [new ApprovalBroker({ store: b! }), new ApprovalBroker({ store: c! })];
      const results = await Promise.all([
        alice.decide(req.id, { approved: true, by: 'cli:alice' }, { runId: 'inc-race' }),
        bob.decide(req.id, { approved: false, by: 'cli:bob', reason: 'not now' }, { runId: 'inc-race' }),
      ]);
      const winners = results.filter((r) => r.status === 'decided');
      expect(winners).toHaveLength(1);
      const winner = winners[0]! as Extract<(typeof results)[number], { status: 'decided' }>;
      const loser = results.find((r) => r.status !== 'decided')!;
      expect(loser).toMatchObject({ status: 'already-decided', decision: { by: winner.decision.by, approved: winner.decision.approved } });
      expect(await waiting).toMatchObject({ by: winner.decision.by, approved: winner.decision.approved });
      // Later deciders are refused with the same answer.
      expect(await alice.approve(req.id, 'cli:carol')).toBe(false);
    });

    it('nobody answers: the waiter rejects by timeout and escalates once; a late decision is refused', async () => {
      const [a, b] = await stores(2);
      const escalated: string[] = [];
      const waiter = new ApprovalBroker({ store: a!, timeoutMs: 300, onEscalate: (r) => void escalated.push(r.id) });
      const asked = requested(waiter);
      const decision = await waiter.request({ runId: 'inc-timeout', ...MERGE });
      const req = await asked;
      expect(decision).toMatchObject({ approved: false, by: 'timeout' });
      expect(escalated).toEqual([req.id]);
      const late = new ApprovalBroker({ store: b! });
      expect(await late.decide(req.id, { approved: true, by: 'cli:late' }, { runId: 'inc-timeout' })).toMatchObject({ status: 'already-decided', decision: { by: 'timeout' } });
      expect(await late.pending()).toEqual([]);
    });

    it('two processes waiting on one request (a resumed run and the original) escalate its timeout once', async () => {
      const [a, b] = await stores(2);
      const escalated: string[] = [];
      const onEscalate = (r: ApprovalRequest): void => void escalated.push(r.id);
      const first = new ApprovalBroker({ store: a!, timeoutMs: 400, onEscalate });
      const second = new ApprovalBroker({ store: b!, timeoutMs: 400, onEscalate });
      const asked = requested(first);
      const one = first.request({ runId: 'inc-twice', ...MERGE });
      const req = await asked;
      const two = second.request({ runId: 'inc-twice', ...MERGE });
      const [d1, d2] = await Promise.all([one, two]);
      expect(d2.request.id).toBe(req.id);
      expect([d1.by, d2.by]).toEqual(['timeout', 'timeout']);
      expect(escalated).toEqual([req.id]);
    });

    it('a request outlives its waiter: a resumed run re-attaches to it, or to the decision made meanwhile', async () => {
      const [a, b, c] = await stores(3);
      // The first process asks, then dies (its wait is aborted; the request stays pending).
      const dying = new ApprovalBroker({ store: a! });
      const died = new AbortController();
      const asked = requested(dying);
      const lost = dying.request({ runId: 'inc-resume', ...MERGE }, died.signal);
      const req = await asked;
      died.abort(new Error('SIGKILL'));
      await expect(lost).rejects.toThrow('SIGKILL');
      const human = new ApprovalBroker({ store: b! });
      expect((await human.pending('inc-resume')).map((r) => r.id)).toEqual([req.id]);

      // The resumed process asks for the same action with the same arguments: same request, not a second one.
      const resumed = new ApprovalBroker({ store: c! });
      const reasked = requested(resumed);
      const waiting = resumed.request({ runId: 'inc-resume', ...MERGE, args: { pullNumber: 7, repo: 'api', owner: 'acme' } });
      expect((await reasked).id).toBe(req.id);
      expect(await human.pending('inc-resume')).toHaveLength(1);
      expect(await human.approve(req.id, 'cli:alice')).toBe(true);
      expect(await waiting).toMatchObject({ approved: true, by: 'cli:alice', request: { id: req.id } });

      // Decided while nobody waited: the next resume gets that decision at once.
      const died2 = new AbortController();
      const other = { ...MERGE, action: 'deploy.deploy_service', args: { service: 'api', ref: 'abc123' } };
      const asked2 = requested(dying);
      const lost2 = dying.request({ runId: 'inc-resume', ...other }, died2.signal);
      const req2 = await asked2;
      died2.abort(new Error('SIGKILL'));
      await expect(lost2).rejects.toThrow('SIGKILL');
      expect(await human.reject(req2.id, 'cli:bob', 'freeze')).toBe(true);
      expect(await resumed.request({ runId: 'inc-resume', ...other })).toMatchObject({ approved: false, by: 'cli:bob', reason: 'freeze', request: { id: req2.id } });
      // Taken: asking again now is a new request.
      const asked3 = requested(resumed);
      const third = resumed.request({ runId: 'inc-resume', ...other });
      expect((await asked3).id).not.toBe(req2.id);
      expect(await resumed.withdraw('inc-resume', 'test over')).toBe(1);
      expect(await third).toMatchObject({ approved: false, by: 'withdrawn', reason: 'test over' });
    });

    it('a decision whose signal is lost is still seen, by polling', async () => {
      const [a, b] = await stores(2);
      const waiter = new ApprovalBroker({ store: a!, pollMs: 200 });
      // A decider whose signals go nowhere: the waiter must find the decision on its own.
      const mute = new Proxy(b!, {
        get: (t, p) => {
          if (p === 'publish') return async () => undefined;
          const v: unknown = Reflect.get(t, p, t);
          return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(t) : v;
        },
      });
      const asked = requested(waiter);
      const waiting = waiter.request({ runId: 'inc-mute', ...MERGE });
      const req = await asked;
      expect(await new ApprovalBroker({ store: mute }).approve(req.id, 'cli:quiet')).toBe(true);
      expect(await waiting).toMatchObject({ approved: true, by: 'cli:quiet' });
    });
  });
}

describe('approval broker without a store', () => {
  it('keeps requests in the process; an aborted wait withdraws its request', async () => {
    const broker = new ApprovalBroker();
    const controller = new AbortController();
    const asked = requested(broker);
    const waiting = broker.request({ runId: 'inc-local', ...MERGE }, controller.signal);
    const req = await asked;
    expect((await broker.pending()).map((r) => r.id)).toEqual([req.id]);
    controller.abort(new Error('cancelled'));
    await expect(waiting).rejects.toThrow('cancelled');
    expect(await broker.pending()).toEqual([]);
    expect(await broker.decide(req.id, { approved: true, by: 'late' }, { runId: 'inc-local' })).toMatchObject({ status: 'already-decided', decision: { by: 'withdrawn' } });
    expect(await broker.decide('no-such-request', { approved: true, by: 'x' })).toEqual({ status: 'not-found' });
  });
});
