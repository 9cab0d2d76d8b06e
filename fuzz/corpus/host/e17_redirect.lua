-- name: a server redirect to another origin is not followed (the key is not sent there)
-- expect: exit=0 out=ok
-- luacheck: globals taskip json log sleep, no max line length
local res, err = taskip:get("/contact")
assert(res == nil and err.kind == "redirect", tostring(err))
print("ok")
