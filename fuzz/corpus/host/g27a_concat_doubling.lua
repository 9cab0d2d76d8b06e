-- name: local s="x" while true do s=s..s end stops at the memory cap
-- expect: exit=3 reason=memory limit
-- luacheck: globals taskip json log sleep, no max line length
local s = "x"
while true do s = s .. s end
