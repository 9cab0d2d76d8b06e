-- name: no __gc finalizer can be set (even via a metatable changed later, or the facade's)
-- expect: exit=0 out=ok
-- luacheck: globals taskip json log sleep, no max line length
local loop = function() while true do end end
local ok, err = pcall(setmetatable, {}, { __gc = loop })
assert(not ok and err:find("__gc"), err)
ok = pcall(setmetatable, {}, { __gc = true })
assert(not ok)
ok = pcall(setmetatable, {}, { __gc = false })
assert(not ok)
local mt = {}
setmetatable({}, mt)
mt.__gc = loop            -- too late: the object was not marked for finalization
for _ = 1, 2e5 do local _ = { {} } end
-- the facade's error metatable is reachable through err.__index; poison it
local _, e = taskip:get("/contact/999999999")
local emt = e.__index
if type(emt) == "table" then
  emt.__gc = loop
  ok = pcall(taskip.get, taskip, "/contact/999999998")
  assert(not ok, "facade created an object with a poisoned __gc")
end
for _ = 1, 2e5 do local _ = { {} } end
print("ok")
