-- name: table.remove(t, 1) where __len says 2^62 loops in C: stopped for holding the thread
-- expect: exit=3 reason=held the thread
-- luacheck: globals taskip json log sleep, no max line length
local t = setmetatable({}, { __len = function() return 2^62 end })
table.remove(t, 1)
print("removed")
