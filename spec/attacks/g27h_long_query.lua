-- name: GETs with a 2 MB query are refused up front, again and again: no URL copy is made
-- expect: exit=1 reason=over the 16 KB servers accept
-- luacheck: globals taskip json log sleep, no max line length
-- A URL that long is never answered (servers say 414 after a few KB),
-- and each of its copies (the call's, the checks', libcurl's three)
-- would count against the cap and cost a parse. The core refuses any
-- URL over TASKIP_MAX_URL_BYTES before it builds one: a usage error
-- naming the query. Nothing accumulates over repeated attempts.
assert(taskip:get("/contact", { limit = 1 }))     -- learns the budget
local q = { search = string.rep("x", 2 * 2 ^ 20) }
for _ = 1, 20 do
  local ok, err = pcall(taskip.get, taskip, "/contact", q)
  assert(not ok and tostring(err):find("over the 16 KB servers accept", 1, true), tostring(err))
end
taskip:get("/contact", q)
print("answered")
