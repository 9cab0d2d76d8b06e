-- name: a coroutine looping inside a gsub callback: stopped for holding the thread
-- expect: exit=3 reason=held the thread
-- luacheck: globals taskip json log sleep, no max line length
string.gsub("x", "x", function()
  coroutine.wrap(function() while true do end end)()
end)
print("escaped")
