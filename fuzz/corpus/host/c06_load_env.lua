-- name: load("return io")() and load("return os.execute")() see the script env only
-- expect: exit=0 out=ok
-- luacheck: globals taskip json log sleep, no max line length
assert(load("return io")() == nil)
assert(load("return os.execute")() == nil)
assert(load("return package")() == nil)
assert(load("return _G")() == _G)
assert(load("return debug")() == nil)
print("ok")
