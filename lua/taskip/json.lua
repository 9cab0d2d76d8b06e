--- taskip.json: JSON through lua-cjson, with depth limits, and integral
-- numbers as Lua integers.
--
-- Debian's lua-cjson 2.1.0 decodes every number as a float, so an id of
-- 124 arrives as 124.0 and "/contact/" .. id becomes "/contact/124.0".
-- decode() turns every integral float that fits into a Lua integer;
-- real fractions stay floats (3900.5), but 3900.0 becomes 3900.

local cjson = require "cjson"
local core = require "taskip.core"

local pcall = pcall

local MAX_DEPTH = 200

local codec = cjson.new()
codec.decode_max_depth(MAX_DEPTH)
codec.encode_max_depth(MAX_DEPTH)
codec.decode_invalid_numbers(false)   -- no NaN/Infinity/hex from servers
codec.encode_invalid_numbers(false)

local M = { null = codec.null, max_depth = MAX_DEPTH }

local integers = core.integers        -- in C: the walk is half a decode

--- Decodes text; returns the value, or nil and a message.
function M.decode(text)
  local ok, v = pcall(codec.decode, text)
  if not ok then return nil, v end
  return integers(v)
end

--- Encodes a value; returns the text, or nil and a message.
function M.encode(v)
  local ok, text = pcall(codec.encode, v)
  if not ok then return nil, text end
  return text
end

return M
