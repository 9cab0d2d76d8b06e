-- name: a handler looping on an ordinary error: stopped for holding the thread
-- expect: exit=3 reason=held the thread
-- luacheck: globals taskip json log sleep, no max line length
xpcall(function() error("x") end, function() while true do end end)
print("escaped")
