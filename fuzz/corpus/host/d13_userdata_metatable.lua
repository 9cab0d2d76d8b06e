-- name: getmetatable(client userdata) is hidden; close twice and use after close are safe
-- expect: exit=0 out=ok
-- luacheck: globals taskip json log sleep, no max line length
local core = rawget(taskip, "_core")
assert(type(core) == "userdata")
assert(getmetatable(core) == nil)
assert(core:close() == true and core:close() == true)
local ok, err = pcall(core.request, core, "GET", "/contact")
assert(not ok and err:find("closed"), err)
ok, err = pcall(function() return taskip:get("/contact") end)
assert(not ok and err:find("closed"), err)
assert(not pcall(core.request, {}, "GET", "/contact"))
assert(tostring(core) == "taskip.client (closed)")
print("ok")
