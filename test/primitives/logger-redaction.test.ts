import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { run, step } from '../../src/index.js';

describe('the run logger', () => {
  const canary = 'sk-ant-canary-logger-0123456789abcdef';
  afterEach(() => {
    delete process.env.ANTHROPIC_API_KEY;
  });

  it('redacts secrets from failures and custom event data before they are logged', async () => {
    process.env.ANTHROPIC_API_KEY = canary;
    const lines: string[] = [];
    const sink = new Writable({ write(chunk, _enc, done) { lines.push(String(chunk)); done(); } });
    const logger = pino({ level: 'info' }, sink);
    const leaky = step('leaky', (_: unknown, ctx) => {
      ctx.emit('tool.call', { args: { note: `key is ${canary}` }, password: 'hunter2-hunter2' });
      throw new Error(`upstream said: Authorization: Bearer abcdefghijklmnopqrstuvwxyz / ${canary}`);
    });
    await expect(run(leaky, undefined, { logger })).rejects.toThrow();
    const text = lines.join('');
    expect(text).toContain('step failed');
    expect(text).toContain('tool.call');
    expect(text).not.toContain(canary);
    expect(text).not.toContain('abcdefghijklmnopqrstuvwxyz');
    expect(text).not.toContain('hunter2-hunter2');
  });
});
