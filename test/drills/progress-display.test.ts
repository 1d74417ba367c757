import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ProgressDisplay } from '../../src/drills/progress-display.js';

function stream(tty: boolean): PassThrough & { isTTY?: boolean; columns?: number; text: () => string } {
  const s = new PassThrough() as PassThrough & { isTTY?: boolean; columns?: number; text: () => string };
  const chunks: string[] = [];
  s.on('data', (c: Buffer) => chunks.push(c.toString()));
  s.isTTY = tty;
  s.columns = 100;
  s.text = () => chunks.join('');
  return s;
}

describe('ProgressDisplay', () => {
  it('prints one line per finished phase when not on a terminal', async () => {
    const out = stream(false);
    const d = new ProgressDisplay(out);
    d.update({ scenario: 'pool-exhaustion', phase: 'start', status: 'start', elapsedMs: 0 });
    d.update({ scenario: 'pool-exhaustion', phase: 'start', status: 'end', elapsedMs: 7_400, ok: true });
    d.update({ scenario: 'pool-exhaustion', phase: 'detect', status: 'end', elapsedMs: 95_000, ok: false, error: 'detect phase exceeded its 90 s limit' });
    d.stop();
    await new Promise((r) => setImmediate(r));
    expect(out.text()).toBe('pool-exhaustion: start done at 00:07\npool-exhaustion: detect failed (detect phase exceeded its 90 s limit) at 01:35\n');
  });

  it('redraws a live status line on a terminal and clears it on stop', async () => {
    const out = stream(true);
    const d = new ProgressDisplay(out);
    d.update({ scenario: 'retry-storm', phase: 'respond', status: 'start', elapsedMs: 42_000 });
    d.stop();
    await new Promise((r) => setImmediate(r));
    expect(out.text()).toBe('\r\x1b[2Kretry-storm  personas responding  00:42\r\x1b[2K');
  });
});
