import { describe, it } from 'vitest';
import { backendConformance } from './conformance.js';
import { signalChannel } from '../../src/memory/redis/signals.js';
import { dropRedisKeys, redisDump, redisListeners } from './raw.js';
import { REDIS_URL, serviceAvailable, uniqueId } from './services.js';

const prefix = `${uniqueId('fbconf')}:`;

if (await serviceAvailable('Redis', REDIS_URL, 6379)) {
  backendConformance({
    name: 'redis',
    shared: true,
    url: `${REDIS_URL}?prefix=${encodeURIComponent(prefix)}`,
    rawDump: () => redisDump(REDIS_URL, prefix),
    signalListeners: () => redisListeners(REDIS_URL, signalChannel(prefix)),
    cleanup: () => dropRedisKeys(REDIS_URL, prefix),
  });
} else {
  describe.skip(`memory conformance: redis (${REDIS_URL} unreachable)`, () => it('needs Redis', () => {}));
}
