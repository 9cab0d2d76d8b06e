-- name: 120 parallel GETs with a shared 2 MB query stop at the cap: URL copies count
-- expect: exit=3 reason=memory limit
-- luacheck: globals taskip json log sleep, no max line length
-- Each call's encoded query is a Lua string (counted); its URL is a C
-- copy of it, held by the call (and by libcurl while it is sent), and
-- checking it takes two more for a moment. Those count too, and are
-- refused before they are made ("a query of 2.0 MB").
assert(taskip:get("/contact", { limit = 1 }))     -- learns the budget
local q = { search = string.rep("x", 2 * 2 ^ 20) }
local gets = {}
for i = 1, 120 do
  gets[i] = function() return taskip:get("/contact", q) end
end
taskip.parallel(gets)
print("all 120 answered")
