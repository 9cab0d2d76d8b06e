-- name: package.loadlib is unreachable (CVE-2022-0543), nor require, package.cpath/loaded
-- expect: exit=0 out=ok
-- luacheck: globals taskip json log sleep, no max line length
assert(require == nil and package == nil)
local ok, err = pcall(function()
  return package.loadlib("/usr/lib/x86_64-linux-gnu/liblua5.1.so.0", "luaopen_io")()
end)
assert(not ok and err:find("attempt to index a nil value"), err)
assert(("").package == nil and ("").require == nil)
for k, v in pairs(_G) do
  assert(k ~= "package" and k ~= "require" and k ~= "module", k)
  if type(v) == "table" then
    for _, name in ipairs { "loadlib", "cpath", "loaded", "searchers", "preload" } do
      assert(rawget(v, name) == nil, k .. "." .. name)
    end
  end
end
print("ok")
