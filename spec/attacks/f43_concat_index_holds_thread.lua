-- name: table.concat over 2^40 indexes served by __index: stopped for holding the thread
-- expect: exit=3 reason=held the thread
-- luacheck: globals taskip json log sleep, no max line length
local t = setmetatable({}, { __index = function() return "" end })
print(#table.concat(t, "", 1, 2^40))
