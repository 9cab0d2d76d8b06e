-- name: debug.getupvalue, debug.getregistry and debug.getlocal are unreachable (debug absent)
-- expect: exit=0 out=ok
-- luacheck: globals taskip json log sleep, no max line length
assert(debug == nil and ("").debug == nil)
local ok, err = pcall(function() return debug.getupvalue(taskip.get, 1) end)
assert(not ok and err:find("attempt to index a nil value"), err)
assert(not pcall(function() return debug.getregistry() end))
print("ok")
