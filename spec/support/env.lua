-- Shared pieces of the integration specs: an in-process emulator over
-- real TLS on loopback, clients pointed at it, and a deep search for
-- the key in anything a test can see.
local mock = require "taskip.mock"
local taskip = require "taskip"

local M = {}

--- The build under test: $TASKIP_BUILD (make sanitize sets build-asan),
--- else build.
M.BUILD = os.getenv("TASKIP_BUILD") or "build"

--- The path of a program of that build: env.bin("taskip-run").
function M.bin(name)
  return M.BUILD .. "/" .. name
end

--- How many times slower that build runs ($TASKIP_SLOW; make sanitize
--- sets 3): specs multiply their wall-clock limits by it.
M.SLOW = tonumber(os.getenv("TASKIP_SLOW") or "") or 1

--- True when that build is instrumented ($TASKIP_SANITIZER, set by make
--- sanitize): its RSS then counts ASan's shadow memory and quarantine.
M.SANITIZED = (os.getenv("TASKIP_SANITIZER") or "") ~= ""

-- Obviously fake, and distinctive enough that finding it anywhere means
-- it leaked. The canary sweep (make canary) replaces it with the first
-- line of the file $TASKIP_TEST_KEY_FILE (so the child processes the
-- specs start do not inherit it), or with $TASKIP_TEST_KEY.
M.KEY = "test-key-not-a-secret-7f3a"
do
  local file, value = os.getenv("TASKIP_TEST_KEY_FILE"), os.getenv("TASKIP_TEST_KEY")
  if file and file ~= "" then
    local f = assert(io.open(file, "rb"))
    value = f:read("l")
    f:close()
  end
  if value and value ~= "" then M.KEY = value end
end

local function merge(into, from)
  for k, v in pairs(from or {}) do into[k] = v end
  return into
end

--- Starts an emulator that expects M.KEY (opts override).
function M.mock(opts)
  return assert(mock.start(merge({ secret_key = M.KEY }, opts)))
end

--- A client for emulator m; short backoff so retry specs stay fast, and
--- no 100/minute burst window, which table-driven specs would hit (the
--- emulator's own budget still applies; burst specs set it back).
function M.client(m, opts)
  return taskip.new(merge({
    secret_key = M.KEY, base_url = m.url, cafile = m.cafile,
    retry_backoff = 0.01, burst_limit = 1000000,
  }, opts))
end

--- How many requests the emulator counted for "METHOD /route".
function M.count(m, route)
  return m:stats().counts[route] or 0
end

--- The requests the emulator saw, oldest first.
function M.requests(m)
  return m:stats().requests
end

--- How many requests the emulator answered with each status:
--- { [200] = n, [429] = n, ... }.
function M.statuses(m)
  local n = {}
  for _, r in ipairs(M.requests(m)) do
    n[r.status] = (n[r.status] or 0) + 1
  end
  return n
end

--- True if needle occurs in any string reachable from v: keys, values,
--- tostring() of tables and userdata with metatables.
function M.contains(v, needle, seen)
  seen = seen or {}
  local t = type(v)
  if t == "string" then return v:find(needle, 1, true) ~= nil end
  if t == "table" then
    if seen[v] then return false end
    seen[v] = true
    local mt = getmetatable(v)
    if mt and mt.__tostring and tostring(v):find(needle, 1, true) then
      return true
    end
    for k, x in pairs(v) do
      if M.contains(k, needle, seen) or M.contains(x, needle, seen) then
        return true
      end
    end
    return false
  end
  if t == "userdata" then return tostring(v):find(needle, 1, true) ~= nil end
  return false
end

--- s as one single-quoted shell word.
function M.quote(s)
  return "'" .. tostring(s):gsub("'", "'\\''") .. "'"
end

--- A new empty directory; the caller removes it.
function M.tmpdir()
  local dir = os.tmpname()
  os.remove(dir)
  assert(os.execute("mkdir -p " .. M.quote(dir)))
  return dir
end

--- The contents of the file at path, or nil.
function M.read(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local s = f:read("a")
  f:close()
  return s
end

--- Writes s to the file at path.
function M.write(path, s)
  local f = assert(io.open(path, "wb"))
  f:write(s)
  f:close()
end

--- Calls f every `interval` seconds (default 0.02) until it returns a
--- true value, which is returned, or until `seconds` have passed (then
--- nil). A patience measured in time, not in tries: on a busy machine
--- each try can take far longer than its sleep.
function M.wait_for(f, seconds, interval)
  local core = require "taskip.core"
  local t0 = core.now()
  repeat
    local v = f()
    if v then return v end
    os.execute("sleep " .. (interval or 0.02))
  until core.now() - t0 > seconds
  return f() or nil
end

--- Runs a shell command as it is; returns its output and exit status.
function M.sh(cmd)
  local p = io.popen(cmd .. " 2>&1")
  local out = p:read("a")
  local _, _, code = p:close()
  return out, code
end

--- Runs a shell command with this process's Lua paths (so a child
--- lua5.4 finds the modules under test); returns output and status.
function M.run(cmd)
  local p = io.popen(string.format("LUA_PATH='%s;;' LUA_CPATH='%s;;' %s 2>&1",
    package.path, package.cpath, cmd))
  local out = p:read("a")
  local _, _, code = p:close()
  return out, code
end

return M
