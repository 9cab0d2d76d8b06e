-- name: json.decode(("["):rep(1e6)) and deep or exploding encodes fail cleanly
-- expect: exit=0 out=ok
-- luacheck: globals taskip json log sleep, no max line length
local v, err = json.decode(("["):rep(1e6))
assert(v == nil and err, "deep decode accepted")
local deep = {}
for _ = 1, 1000 do deep = { deep } end
local text, err2 = json.encode(deep)
assert(text == nil and err2, "deep encode accepted")
local t = { ("x"):rep(100) }
for _ = 1, 40 do t = { t, t } end
local ok, err3 = pcall(json.encode, t)
assert(not ok or (err3 == nil), "exploding encode accepted")
local ok2 = pcall(taskip.post, taskip, "/contact", t)
assert(not ok2, "exploding body accepted")
print("ok")
