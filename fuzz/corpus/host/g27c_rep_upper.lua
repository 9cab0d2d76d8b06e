-- name: ("x"):rep(1e8):upper() stops at the memory cap
-- expect: exit=3 reason=memory limit
-- luacheck: globals taskip json log sleep, no max line length
print(#("x"):rep(1e8):upper())
