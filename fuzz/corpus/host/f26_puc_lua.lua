-- name: the host runs PUC Lua 5.4 (no LuaJIT traces that skip hooks)
-- expect: exit=0 out=ok
-- luacheck: globals taskip json log sleep, no max line length
assert(_VERSION == "Lua 5.4" and rawget(_G, "jit") == nil and rawget(_G, "newproxy") == nil)
print("ok")
