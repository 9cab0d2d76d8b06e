-- JSON for the emulator: lua-cjson, plus an explicit empty array.
--
-- lua-cjson 2.1.0 encodes every empty table as {}; a list that may be
-- empty is marked with json.array(t) so it encodes as [] when empty,
-- wherever it sits in the value (records keep their marked lists, so
-- a task's labels stay a list after the last one is removed).
-- lua-cjson 2.1.0 also decodes every number as a float; json.decode
-- turns integral ones back into integers (ids in bodies compare and
-- encode as integers).

local cjson = require "cjson"
local cjson_safe = require "cjson.safe"

local M = {}

M.null = cjson.null

local EMPTY = "\0taskip.mock.empty_array\0"
local EMPTY_JSON = cjson.encode(EMPTY)
local LIST = {__name = "taskip.mock.list"}

-- Mark t as a JSON array; returns t.
function M.array(t)
  return setmetatable(t, LIST)
end

function M.is_array(t)
  return getmetatable(t) == LIST
end

-- Copy of v with marked empty lists replaced by the EMPTY sentinel.
local function prepare(v)
  if type(v) ~= "table" then
    return v
  end
  if getmetatable(v) == LIST and next(v) == nil then
    return EMPTY
  end
  local out = {}
  for k, x in pairs(v) do
    out[k] = prepare(x)
  end
  return out
end

function M.encode(v)
  local s = cjson.encode(prepare(v))
  if s:find(EMPTY_JSON, 1, true) then
    s = s:gsub(EMPTY_JSON:gsub("%p", "%%%0"), "[]")
  end
  return s
end

-- Integral floats to integers, in place; returns v.
local function integers(v)
  if type(v) == "number" then
    return math.tointeger(v) or v
  end
  if type(v) == "table" then
    for k, x in pairs(v) do
      v[k] = integers(x)
    end
  end
  return v
end

-- Returns the value, or nil and a message (never raises).
function M.decode(s)
  local v, err = cjson_safe.decode(s)
  if v == nil then
    return nil, err
  end
  return integers(v)
end

-- Lua integer for an integral number (cjson decodes 3 as 3.0), or nil.
function M.integer(v)
  if type(v) == "number" then
    return math.tointeger(v)
  end
  return nil
end

return M
