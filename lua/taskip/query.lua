--- taskip.query: query tables to percent-encoded query strings.
--
-- { page = 2, ids = {1, 2}, filter = { status = "open" } } becomes
-- "filter[status]=open&ids[]=1&ids[]=2&page=2": keys sorted so the
-- same table always gives the same URL, arrays and maps in the bracket
-- style Laravel reads, booleans as 1/0 (what Laravel's "boolean" rule
-- accepts). Escaping is libcurl's.

local core = require "taskip.core"

local escape = core.escape
local concat, sort = table.concat, table.sort
local pairs, ipairs, type, tostring, error, next =
  pairs, ipairs, type, tostring, error, next
local format = string.format
-- math.tointeger is 5.3+; 5.1 and LuaJIT have no integer subtype, and
-- there "%d" takes a float with no fraction.
local tointeger = math.tointeger or function(n)  -- luacheck: ignore 143
  if n == math.floor(n) and n > -2^53 and n < 2^53 then return n end
end

local M = {}

--- A number as a URL or path wants it: 124.0 -> "124", 0.5 -> "0.5".
function M.number(n)
  local i = tointeger(n)
  if i then return format("%d", i) end
  return format("%.17g", n)
end

local function scalar(v, name)
  local t = type(v)
  if t == "string" then return v end
  if t == "number" then return M.number(v) end
  if t == "boolean" then return v and "1" or "0" end
  error(format("taskip: query value '%s' must be a string, number, "
    .. "boolean or table (got %s)", name, t), 4)
end

local function is_array(t)
  local n = #t
  if n == 0 then return false end
  for k in pairs(t) do
    if type(k) ~= "number" or k < 1 or k > n or k % 1 ~= 0 then
      return false
    end
  end
  return true
end

local function sorted_keys(t)
  local keys = {}
  for k in pairs(t) do
    if type(k) ~= "string" and type(k) ~= "number" then
      error("taskip: query keys must be strings or numbers", 4)
    end
    keys[#keys + 1] = k
  end
  sort(keys, function(a, b) return tostring(a) < tostring(b) end)
  return keys
end

local function add(out, name, v)
  if type(v) ~= "table" then
    out[#out + 1] = escape(name) .. "=" .. escape(scalar(v, name))
  elseif is_array(v) then
    for i = 1, #v do add(out, name .. "[]", v[i]) end
  else
    for _, k in ipairs(sorted_keys(v)) do
      add(out, name .. "[" .. tostring(k) .. "]", v[k])
    end
  end
end

--- Encodes a query table; nil or an empty table gives nil.
function M.encode(q)
  if q == nil or next(q) == nil then return nil end
  local out = {}
  for _, k in ipairs(sorted_keys(q)) do add(out, tostring(k), q[k]) end
  return concat(out, "&")
end

return M
