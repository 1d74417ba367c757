/**
 * Lua scripts for the Redis backend: each runs atomically on the server, which is how a put and its search
 * index, or a counter and its events, change together with no module (RediSearch) and no MULTI round trips.
 *
 * Per namespace (ns in a {hash tag}, so a namespace stays in one cluster slot):
 *   kv      hash   key -> "updatedAt:expiresAt:json" (expiresAt 0 = never)
 *   keys    zset   key, score 0 — lexicographic order for list/prefix
 *   exp     zset   key -> expiresAt, for incremental purging
 *   words   hash   key -> space-separated words it is indexed under (to unindex on overwrite/delete)
 *   w:WORD  zset   key -> weight of WORD in that entry (text-index.ts termWeights)
 *   seq     string the timeline counter
 *   ev      zset   "seq:at:json" scored by seq
 */

/** Shared by PUT and DELETE: removes an entry and its index postings. KEYS: kv, keys, exp, words. */
const DROP = `
local function unindex(k, wordPrefix)
  local old = redis.call('HGET', KEYS[4], k)
  if old then
    for w in string.gmatch(old, '%S+') do redis.call('ZREM', wordPrefix .. w, k) end
    redis.call('HDEL', KEYS[4], k)
  end
end
local function drop(k, wordPrefix)
  unindex(k, wordPrefix)
  redis.call('HDEL', KEYS[1], k)
  redis.call('ZREM', KEYS[2], k)
  redis.call('ZREM', KEYS[3], k)
end
local function purge(now, wordPrefix)
  local expired = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', now, 'LIMIT', 0, 16)
  for _, k in ipairs(expired) do drop(k, wordPrefix) end
end
`;

/**
 * KEYS: kv, keys, exp, words. ARGV: key, record, expiresAt (0 = never), now, wordPrefix, then word/weight
 * pairs. Also purges up to 16 expired entries of the namespace, so expired data does not pile up.
 */
export const PUT = `${DROP}
local key, wordPrefix = ARGV[1], ARGV[5]
purge(ARGV[4], wordPrefix)
unindex(key, wordPrefix)
redis.call('HSET', KEYS[1], key, ARGV[2])
redis.call('ZADD', KEYS[2], 0, key)
if ARGV[3] ~= '0' then redis.call('ZADD', KEYS[3], ARGV[3], key) else redis.call('ZREM', KEYS[3], key) end
local words = {}
for i = 6, #ARGV, 2 do
  redis.call('ZADD', wordPrefix .. ARGV[i], ARGV[i + 1], key)
  words[#words + 1] = ARGV[i]
end
if #words > 0 then redis.call('HSET', KEYS[4], key, table.concat(words, ' ')) end
return 1
`;

/** KEYS: kv, keys, exp, words. ARGV: key, wordPrefix. Returns the removed record (or false). */
export const DELETE = `${DROP}
local record = redis.call('HGET', KEYS[1], ARGV[1])
drop(ARGV[1], ARGV[2])
return record
`;

/** KEYS: seq, ev. ARGV: at, then one JSON text per event. Returns the first seq. */
export const APPEND = `
local n = #ARGV - 1
local last = redis.call('INCRBY', KEYS[1], n)
local first = last - n + 1
for i = 1, n do
  local seq = first + i - 1
  redis.call('ZADD', KEYS[2], seq, seq .. ':' .. ARGV[1] .. ':' .. ARGV[i + 1])
end
return first
`;

/** KEYS: run. ARGV: fingerprint, structure, now. Creates the run or marks it running again. */
export const START_RUN = `
if redis.call('EXISTS', KEYS[1]) == 1 then
  redis.call('HSET', KEYS[1], 'state', 'running', 'finishedAt', '', 'error', '')
  redis.call('HINCRBY', KEYS[1], 'attempts', 1)
else
  redis.call('HSET', KEYS[1], 'fingerprint', ARGV[1], 'structure', ARGV[2], 'state', 'running', 'attempts', 1,
    'startedAt', ARGV[3], 'finishedAt', '', 'error', '')
end
return 1
`;

/** KEYS: run. ARGV: state, now, error. Only touches a run that exists. */
export const FINISH_RUN = `
if redis.call('EXISTS', KEYS[1]) == 1 then
  redis.call('HSET', KEYS[1], 'state', ARGV[1], 'finishedAt', ARGV[2], 'error', ARGV[3])
end
return 1
`;
