-- name: a benign script that makes no API call
-- expect: exit=0 out=ok
-- luacheck: globals taskip json log sleep, no max line length
local t = {}
for i = 1, 1000 do t[i] = i * i end
sleep(0.05)
assert(#t == 1000)
print("ok")
