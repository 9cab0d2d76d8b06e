-- name: wide taskip.parallel fans of waiters stop at the cap: task records count
-- expect: exit=3 reason=memory limit
-- luacheck: globals taskip json log sleep, no max line length
-- Every function of a fan becomes a host task: a Lua thread, and a
-- record in C that the host must count too (and refuse before making
-- it). 200 fans of 10000 waiters would be two million of each.
local waiters = {}
for i = 1, 10000 do
  waiters[i] = function() sleep(30) end
end
local fans = {}
for i = 1, 200 do
  fans[i] = function() taskip.parallel(waiters) end
end
taskip.parallel(fans)
print("all waited")
