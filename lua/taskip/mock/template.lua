-- Response templates: plain Lua values in which a string "@a.b.c" is
-- replaced by env.a.b.c (absent -> the key is left out; a numeric part
-- indexes a list: "@body.to_emails.1"), and a function
-- by its result for env. Everything else is copied as written, so the
-- documented message strings sit in taskip.mock.shapes verbatim.
--   {msg = "Invoice Created", status = 200,
--    invoice_no = "@record.invoice_no"}

local json = require "taskip.mock.json"

local M = {}

-- The value at dotted path in env, or nil.
function M.lookup(env, path)
  local v = env
  for key in path:gmatch("[^.]+") do
    if type(v) ~= "table" then
      return nil
    end
    local n = key:match("^%d+$") and math.tointeger(tonumber(key))
    v = v[n or key]
  end
  return v
end

function M.fill(t, env)
  local kind = type(t)
  if kind == "string" and t:sub(1, 1) == "@" then
    return M.lookup(env, t:sub(2))
  elseif kind == "function" then
    return t(env)
  elseif kind ~= "table" or t == json.null then
    return t
  end
  local out = {}
  for k, v in pairs(t) do
    out[k] = M.fill(v, env)
  end
  if json.is_array(t) then
    json.array(out)
  end
  return out
end

return M
