-- One request of a quota (ARGV limit per ARGV window milliseconds), atomically across replicas: a
-- sliding window on Redis's own clock, so replicas need not agree on the time. Returns {1 allowed or
-- 0, requests left, milliseconds until the oldest request leaves the window}.
-- KEYS window (this epoch's); ARGV member (unique), limit, window milliseconds
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local limit, window = tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local held = redis.call('ZCARD', KEYS[1])
local allowed = 0
if held < limit then
  redis.call('ZADD', KEYS[1], now, ARGV[1])
  redis.call('PEXPIRE', KEYS[1], window)
  held, allowed = held + 1, 1
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
local wait = 0
if oldest[2] then wait = tonumber(oldest[2]) + window - now end
return {allowed, limit - held, wait}
