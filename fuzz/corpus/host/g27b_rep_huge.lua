-- name: string.rep("x", 2^31) is refused without allocating (resulting string too large)
-- expect: exit=1 reason=resulting string too large
-- luacheck: globals taskip json log sleep, no max line length
local s = string.rep("x", 2^31)
print(#s)
