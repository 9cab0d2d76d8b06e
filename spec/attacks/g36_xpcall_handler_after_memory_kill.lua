-- name: a looping xpcall handler does not run after a memory kill in nested pcall
-- expect: exit=3 reason=memory limit
-- luacheck: globals taskip json log sleep, no max line length
xpcall(function()
  pcall(function()
    local t = {}
    while true do t[#t + 1] = ("x"):rep(1024) .. #t end
  end)
end, function() while true do end end)
print("escaped")
