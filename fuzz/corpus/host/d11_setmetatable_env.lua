-- name: setmetatable(_ENV, nil) and setmetatable(_G, nil) fail on protected tables
-- expect: exit=0 out=ok
-- luacheck: globals taskip json log sleep, no max line length
for _, t in ipairs { _ENV, _G, string, table, math, os, coroutine } do
  local ok, err = pcall(setmetatable, t, nil)
  assert(not ok and err:find("protected"), tostring(err))
  assert(getmetatable(t) == "protected")
end
print("ok")
