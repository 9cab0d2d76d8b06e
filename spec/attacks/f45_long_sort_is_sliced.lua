-- name: a long table.sort with a comparator is time-sliced and finishes
-- expect: exit=0 out=ok
-- luacheck: globals taskip json log sleep, no max line length
local t, calls = {}, 0
for i = 1, 30000 do t[i] = (i * 7919) % 30000 end
table.sort(t, function(a, b) calls = calls + 1; return a > b end)
for i = 2, #t do assert(t[i - 1] >= t[i]) end
assert(calls > 30000)
table.sort(t)
for i = 2, #t do assert(t[i - 1] <= t[i]) end
print("ok")
