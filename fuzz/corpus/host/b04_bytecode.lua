-- name: load of a binary chunk fails whatever mode is passed (string.dump absent)
-- expect: exit=0 out=ok
-- luacheck: globals taskip json log sleep, no max line length
assert(string.dump == nil)
local bin = "\27Lua\84\0\25\147\13\10\26\10\4\8\8\120\86\0\0\0\0\0\0\0\0\0\0\0\40\119\64\1"
for _, mode in ipairs { "b", "bt", "t", nil } do
  local f, err = load(bin, "x", mode)
  assert(f == nil and err:find("attempt to load a binary chunk %(mode is 't'%)"), tostring(err))
end
local f, err = load(function() local s = bin; bin = nil; return s end, "r", "b")
assert(f == nil and err:find("binary chunk"), tostring(err))
print("ok")
