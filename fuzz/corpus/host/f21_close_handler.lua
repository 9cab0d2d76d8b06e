-- name: a __close handler that loops during unwinding is killed too
-- expect: exit=3 reason=time limit
-- luacheck: globals taskip json log sleep, no max line length
do
  local _ <close> = setmetatable({}, { __close = function() while true do end end })
  while true do end
end
