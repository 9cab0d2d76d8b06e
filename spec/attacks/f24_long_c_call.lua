-- name: one long C call (string.find with backtracking) is refused before it runs
-- expect: exit=0 out=ok
-- luacheck: globals taskip json log sleep, no max line length
local ok, err = pcall(string.find, ("a"):rep(1e4), ".-.-.-.-b$")
assert(not ok and err:find("pattern too complex"), err)
ok = pcall(string.match, ("a"):rep(3e4), "a*a*a*a*b")
assert(not ok)
ok = pcall(string.find, ("a"):rep(1e6), ("a"):rep(5e5) .. "b", 1, true)
assert(not ok)
ok, err = pcall(string.rep, "x", -1)
assert(ok and err == "")
local t = {}
for i = 1, 2e4 do t[i] = (i * 7919) % 2e4 end
table.sort(t)
assert(t[1] <= t[2])
print("ok")
