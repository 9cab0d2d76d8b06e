--- taskip.mock: start the TaskIP API emulator in-process, for tests.
--
--   local mock = require "taskip.mock"
--   local m = assert(mock.start{secret_key = "test-key-not-a-secret"})
--   m.url, m.cafile, m.port
--   m:stats()            --> {connections, total_requests, requests,
--                             counts, faults}
--   m:faults{fail = 2}   --> current faults (raises on a bad fault)
--   m:reset()            --> clears faults, stats, budget; reseeds data
--   m:stop()             --> true; idempotent, also on __gc/__close
--
-- Options: secret_key (required), port, limit, window (also caps the
-- windows of the endpoints' own limits), reset_format
-- ("epoch" | "delta"), latency_ms, ca_out, cert_mode ("normal" |
-- "wrong_host" | "expired" | "untrusted"), faults (table).

local emulator = require "taskip.emulator"
local cjson = require "cjson"

local assert, error, setmetatable, type = assert, error, setmetatable, type

local M = {}
local methods = {}
local mt = {__index = methods, __name = "taskip.mock"}

local OPTIONS = {
  secret_key = "string", port = "number", limit = "number",
  window = "number", reset_format = "string", latency_ms = "number",
  ca_out = "string", cert_mode = "string", faults = "table",
  lua_path = "string", lua_cpath = "string",
}

function M.start(opts)
  if type(opts) ~= "table" then
    error("bad argument #1 to 'start' (table expected, got "
      .. type(opts) .. ")", 2)
  end
  local o = {}
  for k, v in pairs(opts) do
    local want = OPTIONS[k]
    if not want then
      error("bad option '" .. tostring(k) .. "' to 'start' (unknown)", 2)
    end
    if type(v) ~= want then
      error("bad option '" .. k .. "' to 'start' (" .. want
        .. " expected, got " .. type(v) .. ")", 2)
    end
    o[k] = v
  end
  if o.faults then
    o.faults = cjson.encode(o.faults)
  end
  local handle, err = emulator.start(o)
  if not handle then
    return nil, err
  end
  return setmetatable({
    handle = handle,
    url = handle:url(),
    cafile = handle:cafile(),
    port = handle:port(),
  }, mt)
end

-- Run a control command; raises on a rejected command (misuse).
local function control(self, command)
  local reply, err = self.handle:control(cjson.encode(command))
  if not reply then
    local ok, decoded = pcall(cjson.decode, err)
    error("taskip.mock: " .. (ok and type(decoded) == "table"
      and tostring(decoded.error) or tostring(err)), 3)
  end
  return cjson.decode(reply)
end

function methods:stats()
  return control(self, {cmd = "stats"})
end

function methods:faults(t)
  if type(t) ~= "table" then
    error("bad argument #1 to 'faults' (table expected, got "
      .. type(t) .. ")", 2)
  end
  return control(self, {cmd = "faults", faults = t}).faults
end

function methods:reset()
  control(self, {cmd = "reset"})
  return true
end

function methods:stop()
  return self.handle:stop()
end

mt.__close = methods.stop

assert(emulator.start, "taskip.emulator is incomplete")
return M
