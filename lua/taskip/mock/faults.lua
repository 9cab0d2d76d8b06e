-- Fault switches of the emulator.
--
-- Counters ("next N API requests") decrease as they fire; the others
-- stay until changed or reset. See server.lua for the order in which
-- they apply. Values come from JSON, so numbers may be floats (3.0).

local json = require "taskip.mock.json"

local M = {}

-- name -> kind, default. Kinds: count (integer >= 0), status
-- (100..599), seconds/ms (integer >= 0 or false), flag (boolean),
-- text (string or false).
local SPEC = {
  fail = {"count", 0},
  fail_status = {"status", 503},
  fail_retry_after = {"seconds", false},
  drop = {"count", 0},
  drop_mid_body = {"count", 0},
  malformed = {"count", 0},
  html = {"count", 0},        -- 200 with an HTML page, as a proxy sends
  slow_ms = {"count", 0},
  redirect = {"text", false},
  huge_bytes = {"count", 0},
  deep = {"count", 0},
  status429 = {"count", 0},
  retry_after = {"flag", true},
  content_type = {"text", false},
  -- The next N API requests are handled (a write takes effect) but never
  -- answered: the connection stays open and silent for stall_ms, then
  -- closes (at once when the emulator stops).
  stall = {"count", 0},
  stall_ms = {"count", 30000},
}

local current = {}

function M.reset()
  for name, spec in pairs(SPEC) do
    current[name] = spec[2]
  end
end

local function check(name, kind, v)
  if kind == "flag" then
    if type(v) == "boolean" then
      return v
    end
    return nil, name .. " must be a boolean"
  end
  if kind == "text" then
    if v == false or (type(v) == "string" and v ~= "") then
      return v
    end
    return nil, name .. " must be a non-empty string or false"
  end
  if kind == "seconds" and v == false then
    return v
  end
  local n = json.integer(v)
  if not n or n < 0 then
    return nil, name .. " must be a non-negative integer"
  end
  if kind == "status" and (n < 100 or n > 599) then
    return nil, name .. " must be an HTTP status (100-599)"
  end
  return n
end

-- Validate all of t, then apply it; returns true or nil, message.
function M.set(t)
  if type(t) ~= "table" then
    return nil, "faults must be a JSON object"
  end
  local new = {}
  for name, v in pairs(t) do
    local spec = type(name) == "string" and SPEC[name]
    if not spec then
      return nil, "unknown fault: " .. tostring(name)
    end
    local value, err = check(name, spec[1], v)
    if value == nil then
      return nil, err
    end
    new[name] = value
  end
  for name, v in pairs(new) do
    current[name] = v
  end
  return true
end

function M.get(name)
  return current[name]
end

-- If counter `name` is positive, decrement it and return true.
function M.take(name)
  local n = current[name]
  if n > 0 then
    current[name] = n - 1
    return true
  end
  return false
end

-- Read-and-clear for the one-shot value faults (huge_bytes, deep,
-- content_type); returns the value or nil.
function M.take_value(name)
  local v = current[name]
  if v and v ~= 0 then
    current[name] = SPEC[name][2]
    return v
  end
  return nil
end

function M.snapshot()
  local t = {}
  for name, v in pairs(current) do
    t[name] = v
  end
  return t
end

M.reset()
return M
