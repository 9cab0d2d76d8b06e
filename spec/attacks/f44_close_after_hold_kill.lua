-- name: a looping __close handler does not run after the script was stopped for holding the thread
-- expect: exit=3 reason=held the thread
-- luacheck: globals taskip json log sleep, no max line length
do
  local _ <close> = setmetatable({}, { __close = function() while true do end end })
  string.gsub("x", "x", function() while true do end end)
end
print("escaped")
