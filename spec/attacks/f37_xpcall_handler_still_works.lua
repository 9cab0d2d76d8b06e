-- name: xpcall handlers still run for ordinary errors and a catchable stack overflow
-- expect: exit=0 out=ok
-- luacheck: globals taskip json log sleep, no max line length
local ok, msg = xpcall(function() error("boom") end, function(m) return "handled: " .. m end)
assert(not ok and msg:find("^handled: .*boom"), msg)
local function f() return 1 + f() end
ok, msg = xpcall(f, function(m) return "deep: " .. tostring(m) end)
assert(not ok and msg:find("^deep: .*stack overflow"), msg)
ok, msg = xpcall(function(a, b) return a + b end, print, 2, 3)
assert(ok and msg == 5)
print("ok")
