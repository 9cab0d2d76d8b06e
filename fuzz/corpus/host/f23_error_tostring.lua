-- name: an error object with a looping __tostring is reported without calling it
-- expect: exit=1 reason=error object is a table value
-- luacheck: globals taskip json log sleep, no max line length
error(setmetatable({}, { __tostring = function() while true do end end }))
