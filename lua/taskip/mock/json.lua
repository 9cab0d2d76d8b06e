-- JSON for the emulator: lua-cjson, plus an explicit empty array.
--
-- lua-cjson 2.1.0 encodes every empty table as {}; a list that may be
-- empty is wrapped with json.array(t) so it encodes as [] when empty.

local cjson = require "cjson"
local cjson_safe = require "cjson.safe"

local M = {}

M.null = cjson.null

local EMPTY = "\0taskip.mock.empty_array\0"
local EMPTY_JSON = cjson.encode(EMPTY)

-- Mark t as a JSON array; returns a value to store in place of t.
function M.array(t)
  if next(t) == nil then
    return EMPTY
  end
  return t
end

function M.encode(v)
  local s = cjson.encode(v)
  if s:find(EMPTY_JSON, 1, true) then
    s = s:gsub(EMPTY_JSON:gsub("%p", "%%%0"), "[]")
  end
  return s
end

-- Returns the value, or nil and a message (never raises).
function M.decode(s)
  return cjson_safe.decode(s)
end

-- Lua integer for an integral number (cjson decodes 3 as 3.0), or nil.
function M.integer(v)
  if type(v) == "number" then
    return math.tointeger(v)
  end
  return nil
end

return M
