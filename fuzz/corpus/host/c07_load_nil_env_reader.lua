-- name: load with an explicit nil env and with a reader function gets the sandbox env, text mode
-- expect: exit=0 out=ok
-- luacheck: globals taskip json log sleep, no max line length
assert(load("return io", "x", "t", nil)() == nil)
assert(load("return os.getenv", "x", "bt", nil)() == nil)
local pieces = { "return ", "i", "o" }
local f = load(function() return table.remove(pieces, 1) end)
assert(f() == nil)
pieces = { "return _G" }
assert(load(function() return table.remove(pieces, 1) end, "r", "t", nil)() == _G)
-- an env table the script passes itself is its own business
assert(load("return x", "n", "t", { x = 1 })() == 1)
print("ok")
