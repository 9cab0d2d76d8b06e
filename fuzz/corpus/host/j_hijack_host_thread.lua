-- name: a script cannot resume or close a coroutine the host runs
-- expect: exit=0 out=ok
-- luacheck: globals taskip json log sleep, no max line length
local first
local a, b = taskip.parallel {
  function() first = coroutine.running(); sleep(0.05); return "a" end,
  function()
    sleep(0.01)
    local ok, err = coroutine.resume(first)
    assert(not ok and err:find("host"), tostring(err))
    assert(not pcall(coroutine.close, first))
    return "b"
  end,
}
assert(a == "a" and b == "b")
local main = coroutine.running()
assert(not coroutine.resume(main))
-- a script coroutine waiting for the host in one branch is off limits to another
local co
local r1, r2 = taskip.parallel {
  function()
    co = coroutine.create(function() return assert(taskip:get("/contact/1")).data.id end)
    local ok, id = coroutine.resume(co)
    return ok and id
  end,
  function()
    while not co do sleep(0) end
    local ok, err = coroutine.resume(co)
    return not ok and err:find("host") ~= nil and not pcall(coroutine.close, co)
  end,
}
assert(r1 == 1 and r2 == true, tostring(r1) .. " " .. tostring(r2))
print("ok")
