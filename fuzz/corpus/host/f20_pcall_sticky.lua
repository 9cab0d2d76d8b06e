-- name: a pcall loop cannot swallow the kill (sticky kill)
-- expect: exit=3 reason=time limit
-- luacheck: globals taskip json log sleep, no max line length
while true do pcall(function() while true do end end) end
