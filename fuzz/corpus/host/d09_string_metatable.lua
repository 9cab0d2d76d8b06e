-- name: the string metatable is out of reach (getmetatable("") is nil; rawset on it fails)
-- expect: exit=0 out=ok
-- luacheck: globals taskip json log sleep, no max line length
-- luacheck: ignore 121 122
assert(getmetatable("") == nil and getmetatable(1) == nil and getmetatable(print) == nil)
assert(not pcall(rawset, getmetatable(""), "sub", function() end))
string.upper = function() return "pwned" end
assert(("x"):upper() == "X")
rawset(string, "len", function() return 42 end)
assert(("abc"):len() == 3)
local list = taskip.contact:list { limit = 1 }
assert(type(list) == "table")
print("ok")
