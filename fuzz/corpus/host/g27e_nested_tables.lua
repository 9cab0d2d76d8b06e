-- name: nested tables in a loop stop at the memory cap
-- expect: exit=3 reason=memory limit
-- luacheck: globals taskip json log sleep, no max line length
local t = {}
while true do t = { t, {}, {}, {} } end
