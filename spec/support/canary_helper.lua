-- busted --helper for the canary sweep (scripts/canary.sh and
-- spec/integration/canary_spec.lua). When TASKIP_CANARY_LOG names a
-- file, everything the specs capture is appended to it, to be searched
-- for the key afterwards: what they read from child processes
-- (io.popen: taskip-run, the host driver, the embedding example, lua5.4
-- clients, curl, the emulator CLI), what they read back from files
-- (io.open/io.lines in read mode: outputs redirected by the specs), and
-- every emulator stats snapshot (its request log). Without the variable
-- this does nothing.
local path = os.getenv("TASKIP_CANARY_LOG")
if not path or path == "" then return end

local log = assert(io.open(path, "ab"))
local function tee(...)
  for i = 1, select("#", ...) do
    local s = select(i, ...)
    if type(s) == "string" and s ~= "" then
      log:write(s, "\n")
      log:flush()
    end
  end
  return ...
end

-- A file handle whose reads are copied to the log; anything else is
-- passed to the real handle.
local function wrap(real)
  local proxy = {}
  function proxy.read(_, ...) return tee(real:read(...)) end
  function proxy.lines(_, ...)
    local next_line = real:lines(...)
    return function() return tee(next_line()) end
  end
  return setmetatable(proxy, {
    __index = function(_, k)
      local v = real[k]
      if type(v) == "function" then
        return function(_, ...) return v(real, ...) end
      end
      return v
    end,
    __close = function() real:close() end,
    __gc = function() if io.type(real) == "file" then real:close() end end,
  })
end

local popen, open, lines = io.popen, io.open, io.lines

io.popen = function(cmd, mode)             -- luacheck: ignore 122
  local f, err = popen(cmd, mode)
  if f and (mode == nil or mode:find("r")) then return wrap(f) end
  return f, err
end

-- The file that gives the specs their key (support/env.lua) is input.
local key_file = os.getenv("TASKIP_TEST_KEY_FILE")

io.open = function(name, mode)             -- luacheck: ignore 122
  local f, err, code = open(name, mode)
  if f and name ~= key_file
      and (mode == nil or mode:find("^r") and not mode:find("+", 1, true)) then
    return wrap(f)
  end
  return f, err, code
end

io.lines = function(name, ...)             -- luacheck: ignore 122
  if name == nil then return lines(name, ...) end
  local next_line = lines(name, ...)
  return function() return tee(next_line()) end
end

-- The emulator's stats (its request log) count as its log.
local ok, mock = pcall(require, "taskip.mock")
if ok then
  local start = mock.start
  local wrapped = false
  mock.start = function(...)
    local m, err = start(...)
    if m and not wrapped then
      wrapped = true
      local methods = getmetatable(m).__index
      local stats = methods.stats
      local cjson = require "cjson"
      methods.stats = function(self)
        local s = stats(self)
        tee(cjson.encode(s))
        return s
      end
    end
    return m, err
  end
end
