import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareUtf8 } from '../../src/memory/byte-order.js';

describe('compareUtf8', () => {
  it('orders strings exactly like their UTF-8 bytes (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' }), (a, b) => {
        expect(Math.sign(compareUtf8(a, b))).toBe(Math.sign(Buffer.compare(Buffer.from(a), Buffer.from(b))));
      }),
      { numRuns: 500 },
    );
  });

  it('puts an astral character after U+FFFD, unlike UTF-16 order', () => {
    expect(compareUtf8('\u{1F525}', '\uFFFD')).toBeGreaterThan(0);
    expect('\u{1F525}' < '\uFFFD').toBe(true);
  });
});
