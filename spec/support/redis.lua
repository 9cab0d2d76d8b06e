-- A private redis-server for specs: loopback only, no persistence, on a
-- free port, started and stopped by the spec.
--
--   local redis = require "support.redis"
--   local r = redis.start()      -- r.port, r.url ("redis://127.0.0.1:P/0")
--   r:cli("--scan")               -- redis-cli's output
--   r:stop()                      -- idempotent
local env = require "support.env"

local M = {}
local methods = {}
local mt = { __index = methods, __name = "support.redis" }

--- True when redis-server can be run here.
function M.available()
  local _, code = env.sh("command -v redis-server && command -v redis-cli")
  return code == 0
end

local function try_port(dir, port)
  local out, code = env.sh(string.format(
    "redis-server --port %d --bind 127.0.0.1 --save '' --appendonly no "
      .. "--daemonize yes --dir %s --pidfile %s/redis.pid --logfile %s/redis.log",
    port, env.quote(dir), env.quote(dir), env.quote(dir)))
  if code ~= 0 then return nil, out end
  -- wait for it to answer (or to have died: port taken)
  for _ = 1, 50 do
    local pong = env.sh(string.format("redis-cli -p %d ping", port))
    if pong:match("PONG") then return true end
    local pid = env.read(dir .. "/redis.pid")
    if pid == nil and _ > 20 then break end
    env.sh("sleep 0.05")
  end
  return nil, env.read(dir .. "/redis.log") or "no answer"
end

--- Starts a server on a free loopback port (a few random tries).
function M.start()
  local dir = env.tmpdir()
  local seed = math.floor((os.clock() * 1e6) % 1e6) + os.time()
  math.randomseed(seed)
  local last
  for _ = 1, 8 do
    local port = math.random(20000, 60000)
    local ok, err = try_port(dir, port)
    if ok then
      return setmetatable({ port = port, dir = dir,
        url = "redis://127.0.0.1:" .. port .. "/0" }, mt)
    end
    last = err
  end
  env.sh("rm -rf " .. env.quote(dir))
  error("support.redis: could not start redis-server: " .. tostring(last))
end

--- redis-cli against this server; returns its output.
function methods:cli(args)
  return (env.sh(string.format("redis-cli -p %d %s", self.port, args)))
end

--- The server's process id, or nil once stopped.
function methods:pid()
  local s = env.read(self.dir .. "/redis.pid")
  return s and tonumber(s:match("%d+"))
end

--- Stops the server (SIGTERM to its pid, then waits for it to go).
function methods:stop()
  if self.stopped then return true end
  local pid = self:pid()
  if pid then
    env.sh("kill " .. pid)
    for _ = 1, 100 do
      local _, code = env.sh("kill -0 " .. pid)
      if code ~= 0 then break end
      env.sh("sleep 0.05")
    end
  end
  self.stopped = true
  env.sh("rm -rf " .. env.quote(self.dir))
  return true
end

mt.__close = methods.stop
mt.__gc = methods.stop

return M
