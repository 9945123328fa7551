-- One batch of changes, atomically, only if the namespace is still the epoch the replica knows; a
-- key is written only if its version is newer than the one held (a replica publishing again what it
-- holds after Redis lost its data cannot undo a newer change another replica made). A key that is
-- gone stays as its version alone (a tombstone: an older write still in flight cannot revive it),
-- listed in KEYS[5] by time until the cutoff passes it; then it goes, at most 100 a call, so what is
-- deleted does not grow the namespace without bound.
-- A change older than the floor (the latest reset, KEYS[6]) is from a replica that missed that reset.
-- KEYS state, ops, seq, epoch, gone, floor; ARGV epoch, replica, maxlen, cutoff (nanoseconds), then
-- (key, version, value, carried)...
if redis.call('GET', KEYS[4]) ~= ARGV[1] then return -1 end
local floor = redis.call('GET', KEYS[6]) or ''
local fields = {}
for i = 5, #ARGV, 4 do
  local held = redis.call('HGET', KEYS[1], ARGV[i])
  if string.sub(ARGV[i + 1], 1, 20) < floor then
    -- before the latest reset: dropped
  elseif not held or string.sub(held, 1, 32) < ARGV[i + 1] then
    redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1] .. ARGV[i + 2])
    if ARGV[i + 2] == '' then
      redis.call('ZADD', KEYS[5], tonumber(string.sub(ARGV[i + 1], 1, 20)), ARGV[i])
    else
      redis.call('ZREM', KEYS[5], ARGV[i])
    end
    fields[#fields + 1] = ARGV[i]
    fields[#fields + 1] = ARGV[i + 1] .. ARGV[i + 3]
  end
end
local expired = redis.call('ZRANGEBYSCORE', KEYS[5], '-inf', ARGV[4], 'LIMIT', 0, 100)
if #expired > 0 then
  redis.call('HDEL', KEYS[1], unpack(expired))
  redis.call('ZREM', KEYS[5], unpack(expired))
end
if #fields == 0 then return 0 end
local seq = redis.call('INCR', KEYS[3])
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[3], '*', 'seq', seq, 'r', ARGV[2], unpack(fields))
return seq
