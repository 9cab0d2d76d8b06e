-- name: a looping string.gsub callback cannot yield: stopped for holding the thread
-- expect: exit=3 reason=held the thread
-- luacheck: globals taskip json log sleep, no max line length
string.gsub("x", "x", function() while true do end end)
print("escaped")
