-- name: a response echoing the key arrives scrubbed (body, headers, base64 form)
-- expect: exit=0 out=ok
-- luacheck: globals taskip json log sleep, no max line length
local page = assert(taskip:get("/contact", { search = "echo", limit = 50 }))
print(json.encode(page.data))
print("ok")
