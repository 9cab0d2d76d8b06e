-- name: dofile, loadfile, debug, string.dump, warn and collectgarbage other than count are absent
-- expect: exit=0 out=ok
-- luacheck: globals taskip json log sleep, no max line length
assert(dofile == nil and loadfile == nil and debug == nil and warn == nil)
assert(string.dump == nil and ("").dump == nil)
assert(type(collectgarbage("count")) == "number")
for _, opt in ipairs { "collect", "stop", "restart", "step", "generational", "incremental",
                       "setpause", "isrunning" } do
  local ok, err = pcall(collectgarbage, opt)
  assert(not ok and err:find("only \"count\""), opt)
end
assert(not pcall(collectgarbage))
print("ok")
