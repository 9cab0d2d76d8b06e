-- name: a __tostring metamethod called from C (tostring) that loops: stopped for holding the thread
-- expect: exit=3 reason=held the thread
-- luacheck: globals taskip json log sleep, no max line length
print(tostring(setmetatable({}, { __tostring = function() while true do end end })))
