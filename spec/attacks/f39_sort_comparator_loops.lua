-- name: a looping table.sort comparator is time-sliced and stopped at the time limit
-- expect: exit=3 reason=time limit
-- luacheck: globals taskip json log sleep, no max line length
local t = {}
for i = 1, 100 do t[i] = 100 - i end
table.sort(t, function() while true do end end)
print("escaped")
