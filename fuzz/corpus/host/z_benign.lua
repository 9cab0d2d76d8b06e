-- name: a benign script next to the attacks
-- expect: exit=0 out=ok
-- luacheck: globals taskip json log sleep, no max line length
local n = 0
for c in taskip.contact:each { limit = 10 } do
  assert(c.id)
  n = n + 1
  if n >= 15 then break end
end
local a, b = taskip.parallel {
  function() return taskip:get("/contact", { limit = 1 }).data[1].id end,
  function() return #taskip:get("/contact", { limit = 2 }).data end,
}
assert(a and b == 2)
sleep(0.05)
print("ok")
