-- name: string.rep("", 2^40) (and with an empty sep) answers at once, no 2^40 loop
-- expect: exit=0 out=ok
-- luacheck: globals taskip json log sleep, no max line length
assert(string.rep("", 2^40) == "")
assert(string.rep("", 2^40, "") == "")
assert(("ab"):rep(3, ",") == "ab,ab,ab")
assert(not pcall(string.rep, "x", 2^62))
print("ok")
