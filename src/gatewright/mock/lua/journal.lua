-- Journal entries, oldest dropped past the byte budget or the entry count (the newest stays):
-- KEYS journal, journal bytes; ARGV budget, count, entries...
for i = 3, #ARGV do
  redis.call('RPUSH', KEYS[1], ARGV[i])
  redis.call('INCRBY', KEYS[2], #ARGV[i])
end
local budget, count = tonumber(ARGV[1]), tonumber(ARGV[2])
local length = redis.call('LLEN', KEYS[1])
while length > 1 and (length > count or tonumber(redis.call('GET', KEYS[2]) or '0') > budget) do
  local old = redis.call('LPOP', KEYS[1])
  redis.call('DECRBY', KEYS[2], #old)
  length = length - 1
end
return length
