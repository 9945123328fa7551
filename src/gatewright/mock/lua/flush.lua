-- One batch of changes, atomically, only if the namespace is still the epoch the replica knows; a
-- key is written only if its version is newer than the one held (a replica publishing again what it
-- holds after Redis lost its data cannot undo a newer change another replica made):
-- KEYS state, ops, seq, epoch; ARGV epoch, replica, maxlen, then (key, version, value, carried)...
if redis.call('GET', KEYS[4]) ~= ARGV[1] then return -1 end
local fields = {}
for i = 4, #ARGV, 4 do
  local held = redis.call('HGET', KEYS[1], ARGV[i])
  if not held or string.sub(held, 1, 32) < ARGV[i + 1] then
    redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1] .. ARGV[i + 2])
    fields[#fields + 1] = ARGV[i]
    fields[#fields + 1] = ARGV[i + 1] .. ARGV[i + 3]
  end
end
if #fields == 0 then return 0 end
local seq = redis.call('INCR', KEYS[3])
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[3], '*', 'seq', seq, 'r', ARGV[2], unpack(fields))
return seq
