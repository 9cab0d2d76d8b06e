-- name: local function f() f() end f() gives a catchable stack overflow
-- expect: exit=0 out=ok
-- luacheck: globals taskip json log sleep, no max line length
local function f() f() end
local ok, err = pcall(f)
assert(not ok and err:find("stack overflow"), err)
print("ok")
