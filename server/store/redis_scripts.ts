/**
 * The Lua scripts of the Redis store: every write that touches more than one key (the value, the
 * index, the version counter) or that checks a version runs as one script, so it is atomic and
 * one round trip. Values are stored, and published to watchers, as `<version>|<json>`; the version
 * is a counter shared by the prefix. Every key a script names carries the prefix's hash tag, so all of them live in one
 * Redis Cluster slot (keys computed inside a script stay in that slot too).
 *
 * @module
 */

/** Checks `ARGV[expected]` against the stored value `cur` ('' = must be absent). */
const CHECK = `
local function holds(cur, expected)
  if expected == '' then return not cur end
  if not cur then return false end
  local bar = string.find(cur, '|', 1, true)
  return string.sub(cur, 1, bar - 1) == expected
end
local function put(key, index, seq, member, json, px, channel)
  local version = redis.call('INCR', seq)
  local stored = version .. '|' .. json
  if px == '' then redis.call('SET', key, stored) else redis.call('SET', key, stored, 'PX', px) end
  redis.call('ZADD', index, 0, member)
  redis.call('PUBLISH', channel, stored)
  return version
end
`;

/** KEYS: value, index, seq. ARGV: member, json, px, channel. Returns the new version. */
export const SET = `${CHECK}
return put(KEYS[1], KEYS[2], KEYS[3], ARGV[1], ARGV[2], ARGV[3], ARGV[4])`;

/** KEYS: value, index, seq. ARGV: member, expected, json, px, channel. Returns 1 when written. */
export const SET_IF = `${CHECK}
if not holds(redis.call('GET', KEYS[1]), ARGV[2]) then return 0 end
put(KEYS[1], KEYS[2], KEYS[3], ARGV[1], ARGV[3], ARGV[4], ARGV[5])
return 1`;

/**
 * KEYS: index, seq, then one value key per write. ARGV: the count, then per write op ('s'|'d'),
 * checked ('1'|'0'), expected, member, json, px, channel. Every check first, then every write.
 */
export const COMMIT = `${CHECK}
local n = tonumber(ARGV[1])
for i = 1, n do
  local b = 1 + (i - 1) * 7
  if ARGV[b + 2] == '1' and not holds(redis.call('GET', KEYS[2 + i]), ARGV[b + 3]) then return 0 end
end
for i = 1, n do
  local b = 1 + (i - 1) * 7
  if ARGV[b + 1] == 'd' then
    redis.call('DEL', KEYS[2 + i])
    redis.call('ZREM', KEYS[1], ARGV[b + 4])
  else
    put(KEYS[2 + i], KEYS[1], KEYS[2], ARGV[b + 4], ARGV[b + 5], ARGV[b + 6], ARGV[b + 7])
  end
end
return 1`;

/** KEYS: value, index. ARGV: member. */
export const DELETE = `
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
return 1`;

/**
 * One page of a listing. KEYS: index. ARGV: value-key prefix, min, max (BYLEX bounds), count.
 * Returns the last member read (the next page starts after it) and member/value pairs; a member
 * whose value expired is dropped from the index on the way.
 */
export const LIST_PAGE = `
local members = redis.call('ZRANGE', KEYS[1], ARGV[2], ARGV[3], 'BYLEX', 'LIMIT', 0, tonumber(ARGV[4]))
local out = {}
for _, m in ipairs(members) do
  local v = redis.call('GET', ARGV[1] .. m)
  if v then
    table.insert(out, m)
    table.insert(out, v)
  else
    redis.call('ZREM', KEYS[1], m)
  end
end
return {members[#members] or '', out}`;
