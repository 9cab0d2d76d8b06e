-- name: a loop inside coroutine.wrap (and resume) is killed: the hook is set on that coroutine
-- expect: exit=3 reason=time limit
-- luacheck: globals taskip json log sleep, no max line length
local co = coroutine.create(function() while true do end end)
print(coroutine.resume(co))
coroutine.wrap(function() while true do end end)()
