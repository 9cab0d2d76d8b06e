-- taskip.form: a request body table as multipart/form-data parts, for
-- the endpoints that take uploads (and any body holding a taskip.file).
--
--   { files = { f1, f2 }, description = "logs", meta = { n = 2 } }
--   --> files[] (f1), files[] (f2), description, meta[n]
--
-- The field names follow the form convention the API's server reads
-- (Laravel's): an array is `key[]` per element, a nested table
-- `key[sub]`. Keys are sorted, so the same body always gives the same
-- parts. Booleans are "1" / "0"; JSON null is an empty field.

local file = require "taskip.file"
local json = require "taskip.json"
local query = require "taskip.query"

local type, pairs, ipairs, sort, tostring, error, format =
  type, pairs, ipairs, table.sort, tostring, error, string.format
local is_file, number = file.is, query.number

local M = {}

local function is_array(t)
  local n = #t
  if n == 0 then return false end
  local count = 0
  for _ in pairs(t) do count = count + 1 end
  return count == n
end

local function scalar(v, where)
  local t = type(v)
  if t == "string" then return v end
  if t == "number" then return number(v) end
  if t == "boolean" then return v and "1" or "0" end
  if v == json.null then return "" end
  error(format("taskip: body: '%s' cannot be a form field (%s)", where, t), 0)
end

local add

-- Parts for value v under field name `name`.
local function add_value(parts, name, v, depth)
  if depth > 8 then
    error(format("taskip: body: '%s' is nested too deep for a form", name), 0)
  end
  if is_file(v) then
    parts[#parts + 1] = { name = name, filename = v.name,
      content_type = v.content_type, data = v.content }
  elseif type(v) == "table" and v ~= json.null then
    if is_array(v) then
      local list = name:sub(-2) == "[]" and name or name .. "[]"
      for i, item in ipairs(v) do
        local leaf = is_file(item) or type(item) ~= "table" or item == json.null
        add_value(parts, leaf and list or list:sub(1, -3) .. "[" .. (i - 1) .. "]",
          item, depth + 1)
      end
    else
      add(parts, v, name, depth + 1)
    end
  else
    parts[#parts + 1] = { name = name, data = scalar(v, name) }
  end
end

-- Parts for every field of table t (under prefix, when nested).
function add(parts, t, prefix, depth)
  local keys = {}
  for k in pairs(t) do
    if type(k) ~= "string" and type(k) ~= "number" then
      error(format("taskip: body: a form field name must be a string (got %s)", type(k)), 0)
    end
    keys[#keys + 1] = k
  end
  sort(keys, function(a, b) return tostring(a) < tostring(b) end)
  for _, k in ipairs(keys) do
    local name = prefix and prefix .. "[" .. tostring(k) .. "]" or tostring(k)
    add_value(parts, name, t[k], depth)
  end
end

--- The body's parts: { {name=, data=, filename=, content_type=}, ... }
--- (none for an empty body).
function M.parts(body)
  if is_file(body) then
    error("taskip: body: a file goes under a field name, e.g. { file = f }", 0)
  end
  local parts = {}
  add(parts, body, nil, 0)
  return parts
end

return M
