-- name: os.execute, io.popen/open/lines, os.remove/rename/tmpname/exit/getenv/setlocale are absent
-- expect: exit=0 out=ok
-- luacheck: globals taskip json log sleep, no max line length
assert(io == nil, "io is reachable")
for _, k in ipairs { "execute", "remove", "rename", "tmpname", "exit", "getenv", "setlocale" } do
  assert(os[k] == nil, "os." .. k .. " is reachable")
end
local ok, err = pcall(function() return os.execute("id") end)
assert(not ok and err:find("attempt to call a nil value"), err)
for _, k in ipairs { "time", "clock", "date", "difftime" } do assert(type(os[k]) == "function") end
assert(("%.1f"):format(1.5) == "1.5")
print("ok")
