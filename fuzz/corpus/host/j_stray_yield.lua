-- name: a top-level coroutine.yield() is an error, not a host yield
-- expect: exit=1 reason=attempt to yield from outside a coroutine
-- luacheck: globals taskip json log sleep, no max line length
assert(coroutine.isyieldable() == false)
coroutine.yield()
