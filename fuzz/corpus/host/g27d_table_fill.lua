-- name: local t={} for i=1,1e9 do t[i]=i end stops at the memory cap
-- expect: exit=3 reason=memory limit
-- luacheck: globals taskip json log sleep, no max line length
local t = {}
for i = 1, 1e9 do t[i] = i end
print(#t)
