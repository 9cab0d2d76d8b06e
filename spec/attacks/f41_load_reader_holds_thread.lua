-- name: a load reader function that loops is called by the parser: stopped for holding the thread
-- expect: exit=3 reason=held the thread
-- luacheck: globals taskip json log sleep, no max line length
load(function() while true do end end)
print("escaped")
