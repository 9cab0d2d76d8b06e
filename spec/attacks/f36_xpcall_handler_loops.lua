-- name: a looping xpcall handler never runs unchecked after the time limit fired
-- expect: exit=3 reason=time limit
-- luacheck: globals taskip json log sleep, no max line length
xpcall(function() while true do end end, function() while true do end end)
print("escaped")
