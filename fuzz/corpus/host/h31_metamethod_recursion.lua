-- name: __index recursion gives a C stack overflow error
-- expect: exit=0 out=ok
-- luacheck: globals taskip json log sleep, no max line length
local t = setmetatable({}, { __index = function(t, k) return t[k] end })
local ok, err = pcall(function() return t.x end)
assert(not ok and err:find("stack overflow"), err)
print("ok")
