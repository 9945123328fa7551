-- One more of a count (a rule's matches), atomically across replicas, unless it has reached the
-- limit (0: none). The replica's own count is a floor: after Redis lost its data, a count goes on
-- from what the replicas held. Returns the new count, or -1 at the limit.
-- KEYS counts (this epoch's); ARGV field, floor, limit, seconds the counts are kept
local held = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0')
local floor, limit = tonumber(ARGV[2]), tonumber(ARGV[3])
if floor > held then held = floor end
if limit > 0 and held >= limit then return -1 end
redis.call('HSET', KEYS[1], ARGV[1], held + 1)
redis.call('EXPIRE', KEYS[1], ARGV[4])
return held + 1
