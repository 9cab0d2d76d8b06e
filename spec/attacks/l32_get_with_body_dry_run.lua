-- name: GET or HEAD with a body is refused before --allow and --dry-run, and creates nothing
-- expect: exit=0 out=ok
-- luacheck: globals taskip json log sleep, no max line length
-- Once, a body made libcurl send GET /contact as POST: checked as a read
-- (--allow 'GET:/contact*', --dry-run), it created a contact. The call
-- must raise naming the body, whatever the method's case; then the
-- marker must be in no contact.
local marker = "l32getbody"
local fields = { first_name = marker, last_name = "Attack", email = marker .. "@example.test" }
for _, method in ipairs { "GET", "HEAD", "get", "Head" } do
  local ok, err = pcall(taskip.request, taskip, method, "/contact", { body = fields })
  assert(not ok, method .. " with a body was accepted")
  assert(tostring(err):find("body: a " .. method:upper() .. " request takes no body", 1, true), tostring(err))
  ok, err = pcall(taskip.request, taskip, method, "/contact", { body = json.encode(fields) })
  assert(not ok and tostring(err):find("takes no body", 1, true), method .. " with JSON text: " .. tostring(err))
end
local found = assert(taskip:get("/contact", { search = marker }))
assert(#found.data == 0, "a contact was created: " .. json.encode(found.data[1]))
print("ok")
