-- name: pcall and coroutine.wrap recursion (CVE-2021-43519) is a C stack overflow, no SIGSEGV
-- expect: exit=0 out=ok
-- luacheck: globals taskip json log sleep, no max line length
local function func() pcall(1); coroutine.wrap(func)() end
local ok, err = pcall(func)
assert(not ok and err:find("C stack overflow"), err)
local f
f = function() coroutine.wrap(f)() end
ok, err = pcall(f)
assert(not ok and err:find("C stack overflow"), err)
local g
g = function(n) return coroutine.resume(coroutine.create(g), n + 1) end
assert(g(1) == false or true)
print("ok")
