-- name: string methods work through the metatable and are guarded there too
-- expect: exit=0 out=ok
-- luacheck: globals taskip json log sleep, no max line length
assert(("x"):rep(10) == "xxxxxxxxxx")
local s = ("a"):rep(1e4)
local ok, err = pcall(function() return s:find(".-.-.-.-b$") end)
assert(not ok and err:find("pattern too complex"), err)
ok, err = pcall(function() return s:match("(a*)*b") end)
assert(not ok and err:find("pattern too complex"), err)
ok = pcall(function() for _ in s:gmatch(".-.-.-b") do end end)
assert(not ok)
ok = pcall(function() return s:gsub("a-a-a-a-b", "") end)
assert(not ok)
assert(("hello world"):gsub("o", "0") == "hell0 w0rld")
assert(("  trim  "):match("^%s*(.-)%s*$") == "trim")
assert(("a,b,c"):find(",", 1, true) == 2)
print("ok")
