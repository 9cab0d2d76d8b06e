-- name: not enough memory stays in effect when the script pcalls and retries
-- expect: exit=3 reason=memory limit
-- luacheck: globals taskip json log sleep, no max line length
while true do
  local ok = pcall(string.rep, "x", 2^30)
  assert(not ok)
end
