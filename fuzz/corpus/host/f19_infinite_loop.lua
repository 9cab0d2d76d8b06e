-- name: while true do end is killed by the time hook
-- expect: exit=3 reason=time limit
-- luacheck: globals taskip json log sleep, no max line length
while true do end
