--- table.sort for the host's sandboxed scripts until its first call,
-- which loads taskip.slicesort (most scripts never sort: a state is
-- cheaper to build without it). A tail call, so that the sort's errors
-- name the script's line as before and the hook can still yield in it.
local require = require
local sort

return function(t, lt)
  sort = sort or require "taskip.slicesort"
  return sort(t, lt)
end
