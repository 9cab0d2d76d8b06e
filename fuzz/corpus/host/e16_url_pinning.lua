-- name: script-controlled URLs (other host, //host, @host, %2F, http://, ..) are refused
-- expect: exit=0 out=ok
-- luacheck: globals taskip json log sleep, no max line length
for _, url in ipairs { "https://evil.example/", "//evil.example/x", "@evil.example", "/%2F%2Fevil",
                       "http://127.0.0.1:1/x", "/../../x", "/contact/..%2F..%2Fx",
                       "https://evil.example/api/public-v1/contact", "/contact\r\nX-Evil: 1" } do
  local ok, res, err = pcall(taskip.get, taskip, url)
  assert(not ok or (res == nil and err), "not refused: " .. url)
end
print("ok")
