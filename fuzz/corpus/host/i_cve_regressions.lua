-- name: VM/library CVE regressions: unpack overflow, no bit library, recursive errors
-- expect: exit=0 out=ok
-- luacheck: globals taskip json log sleep, no max line length
assert(rawget(_G, "bit") == nil and rawget(_G, "bit32") == nil and utf8 ~= nil)
local ok, err = pcall(table.unpack, {}, math.mininteger, math.maxinteger)
assert(not ok and err:find("too many results"), err)
ok = pcall(table.unpack, {}, 1, 1e8)
assert(not ok)
-- CVE-2022-33099: errors raised while handling errors
local mt = {}
mt.__index = function() error(setmetatable({}, mt)) end
assert(not pcall(function() return setmetatable({}, mt).x end))
-- CVE-2022-28805 class: odd but valid and invalid sources parse cleanly
for _, src in ipairs { "local a <const> = 1; return a", "return function() return x end",
                       ("a="):rep(1000) .. "1", "local " .. ("a,"):rep(300) .. "a" } do
  load(src)
end
-- CVE-2025-49844 class: parsing under GC pressure
for _ = 1, 50 do
  local junk = {}
  for i = 1, 100 do junk[i] = ("x"):rep(100) .. i end
  assert(#junk == 100)
  assert(assert(load("local a, b, c = 1, 2, 3 return a + b + c"))() == 6)
end
print("ok")
