-- name: rawset on a library table only edits the script's own copy
-- expect: exit=0 out=ok
-- luacheck: globals taskip json log sleep, no max line length
rawset(string, "sub", function() return "pwned" end)
assert(("abc"):sub(2) == "bc")
rawset(table, "concat", function() return "pwned" end)
rawset(math, "floor", function() return "pwned" end)
local page = taskip.contact:list { limit = 1, page = 1 }
assert(type(page) == "table")
print("ok")
