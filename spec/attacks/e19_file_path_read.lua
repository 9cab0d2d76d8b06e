-- name: taskip.file{ path = ... } cannot read the host's files from inside the sandbox
-- expect: exit=0 out=ok
-- luacheck: globals taskip json log sleep, no max line length
local ok, err = pcall(taskip.file, { name = "passwd", path = "/etc/passwd" })
assert(not ok and tostring(err):find("'path'"), "path was read: " .. tostring(err))
-- a forged file value carries only bytes the script already has
local f = taskip.file{ name = "x.txt", content = "x" }
local forged = setmetatable({ name = "passwd", path = "/etc/passwd" }, getmetatable(f))
local sent = pcall(taskip.post, taskip, "/ticket/1/attachments", { files = { forged } })
assert(not sent, "a file value without content was sent")
print("ok")
