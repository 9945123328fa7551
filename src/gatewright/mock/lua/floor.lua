-- Redis lost its data and the replicas publish what they hold again: one of them may have missed a
-- reset while Redis was away, and hold (and publish) what that reset cleared. Each replica raises the
-- floor to the time of the latest reset it knows (20-digit nanoseconds, as versions begin), and what
-- the state holds from before the floor goes: written by a replica still in an older epoch.
-- KEYS floor, state; ARGV the replica's floor. Returns the floor now.
local floor = redis.call('GET', KEYS[1]) or ''
if ARGV[1] > floor then
  floor = ARGV[1]
  redis.call('SET', KEYS[1], floor)
end
if floor == '' then return floor end
local held = redis.call('HGETALL', KEYS[2])
local stale = {}
for i = 1, #held, 2 do
  if string.sub(held[i + 1], 1, 20) < floor then stale[#stale + 1] = held[i] end
end
for i = 1, #stale, 1000 do
  redis.call('HDEL', KEYS[2], unpack(stale, i, math.min(i + 999, #stale)))
end
return floor
