--- taskip.ngx: the taskip.core interface inside nginx, over cosockets.
--
-- The facade (taskip/init.lua) picks this core when it runs inside
-- nginx's lua module (or with transport = "ngx"). The C core still
-- holds the key, pins the origin, counts the rate limit and decides
-- retries and waits: each call is a C state machine stepped from here.
-- "send" becomes one HTTP/1.1 exchange on a cosocket (taskip.ngx.http),
-- "wait" becomes ngx.sleep, so the worker serves other requests
-- meanwhile.
--
-- The key's one weaker moment: a cosocket can only send Lua strings,
-- so for each attempt the key line is fetched from C
-- (call:secret_header()), put in the request's pieces, sent, and the
-- references dropped. The string itself stays in the Lua heap until
-- the garbage collector frees it; it is never stored in a table that
-- outlives the attempt, never in an error or a log line.

-- luacheck: read globals ngx
local ngx = ngx
local core = require "taskip.core"
local http = require "taskip.ngx.http"

local type, pairs, error, pcall, setmetatable, tostring, format, floor =
  type, pairs, error, pcall, setmetatable, tostring, string.format, math.floor

-- Phases in which cosockets and ngx.sleep work.
local COSOCKET_PHASES = {
  rewrite = true, access = true, content = true, timer = true,
  ssl_cert = true, ssl_session_fetch = true, ssl_client_hello = true,
}

local KEEPALIVE_TIMEOUT = 50   -- seconds: below common servers' idle limits
local POOL_SIZE = 30           -- idle connections kept per origin and worker
local LOCK_TTL = 1             -- seconds a store lock outlives a lost holder
local RECORD_TTL = 7200        -- seconds a key's rate record outlives its use

local function lua_module_version()
  local v = ngx and ngx.config and ngx.config.ngx_lua_version
  if type(v) ~= "number" then return "unknown" end
  return format("%d.%d.%d", floor(v / 1000000), floor(v / 1000) % 1000, v % 1000)
end

local M = {
  version = core.version,
  escape = core.escape,
  integers = core.integers,
  now = core.now,
  user_agent = "taskip/" .. core.version .. " ngx_lua/" .. lua_module_version(),
}

--- True when this Lua runs inside nginx with cosockets compiled in.
function M.available()
  return type(ngx) == "table" and type(ngx.socket) == "table"
    and type(ngx.socket.tcp) == "function"
end

local Client = { __name = "taskip.ngx.client", __metatable = false }
Client.__index = Client

local function positive(cfg, name, default)
  local v = cfg[name]
  if v == nil then return default end
  if type(v) ~= "number" or v <= 0 or v ~= v then
    error(format("taskip.new: option '%s' must be a positive number (got %s)",
      name, type(v)), 3)
  end
  return v
end

-- The rate store of the workers of one nginx: the key's record in an
-- ngx.shared dictionary, updated under a lock taken with add (atomic
-- across workers; it expires if its holder is lost). The core calls
-- these without yielding (src/lratestore.c); a busy lock makes it poll.
local function dict_store(dict)
  return {
    lock = function(fp) return (dict:add("taskip:lock:" .. fp, true, LOCK_TTL)) end,
    get = function(fp) return (dict:get("taskip:rate:" .. fp)) end,
    set = function(fp, rec)
      local ok, err = dict:set("taskip:rate:" .. fp, rec, RECORD_TTL)
      if not ok then error("ngx.shared: " .. tostring(err), 0) end
    end,
    unlock = function(fp) dict:delete("taskip:lock:" .. fp) end,
  }
end

--- new(cfg) -> client. cfg as for taskip.core.new, plus
--- keepalive_timeout (seconds), keepalive_pool (connections) and
--- rate_store, an ngx.shared dictionary the workers share the budget in.
function M.new(cfg)
  if not M.available() then
    error("taskip.new: transport 'ngx' needs nginx's lua module (ngx.socket is missing)", 2)
  end
  if cfg.cafile ~= nil then
    error("taskip.new: option 'cafile' does not apply to the ngx transport: nginx"
      .. " verifies servers with its lua_ssl_trusted_certificate directive", 2)
  end
  local opts = {
    keepalive_timeout = positive(cfg, "keepalive_timeout", KEEPALIVE_TIMEOUT),
    pool_size = floor(positive(cfg, "keepalive_pool", POOL_SIZE)),
    user_agent = M.user_agent,
  }
  local store = cfg.rate_store
  if store ~= nil and (type(store) ~= "table" or type(store.add) ~= "function") then
    error("taskip.new: option 'rate_store' must be an ngx.shared dictionary"
      .. " (e.g. ngx.shared.taskip) with transport 'ngx'", 2)
  end
  local c = {}
  for k, v in pairs(cfg) do c[k] = v end
  c.keepalive_timeout, c.keepalive_pool, c.transport = nil, nil, nil
  c.rate_store = nil
  c.rate_store_lua = store and dict_store(store) or nil
  c.lua_transport = true
  local ok, handle = pcall(core.new, c)
  c.secret_key = nil
  if not ok then error(handle, 2) end
  return setmetatable({ _c = handle, _opts = opts, _debug = cfg.debug == true }, Client)
end

--- The error a call raises where cosockets cannot run, or nil.
function M.phase_error()
  local phase = ngx.get_phase()
  if COSOCKET_PHASES[phase] then return nil end
  return format("taskip: cannot call the API in nginx's '%s' phase, where"
    .. " cosockets and ngx.sleep are disabled: call it from rewrite_by_lua,"
    .. " access_by_lua or content_by_lua, or run it in a timer"
    .. " (ngx.timer.at(0, function() ... end))", phase)
end

-- Steps call until it is done: "send" is an exchange on a cosocket,
-- "wait" an ngx.sleep. Returns the result table.
local function drive(self, call)
  local trace = self._debug and {} or nil
  while true do
    local what, x = call:step()
    if what == "done" then
      if trace then x.trace = table.concat(trace) end
      return x
    elseif what == "wait" then
      if trace then trace[#trace + 1] = format("* waiting %.3f s\n", x) end
      ngx.sleep(x)
    elseif what == "send" then
      local res, fail = http.exchange(x, call:secret_header(), self._opts)
      if res then
        if trace then trace[#trace + 1] = http.summary(x, res) end
        call:response(res.status, res.headers, res.body)
      else
        if trace then
          trace[#trace + 1] = format("> %s %s\n* %s: %s\n", x.method, x.target,
            fail.kind, fail.detail)
        end
        call:failure(fail.kind, fail.reached, fail.detail)
      end
    else
      error("taskip: the core answered an unknown step: " .. tostring(what), 0)
    end
  end
end

--- client:request(method, path [, query [, body [, limit_name,
--- limit_count, limit_window]]]) -> result table (see taskip.core).
--- Raises on misuse, a refused path, or a phase without cosockets.
function Client:request(method, path, query, body, ...)
  local why = M.phase_error()
  if why then error(why, 2) end
  local call = self._c:call(method, path, query, body, ...)
  local ok, r = pcall(drive, self, call)
  call:close()
  if not ok then error(r, 0) end
  return r
end

function Client:rate_limit()
  return self._c:rate_limit()
end

function Client:close()
  return self._c:close()
end

function Client.__tostring(c)
  return "taskip.client (ngx) " .. tostring(c._c):gsub("^taskip%.client ", "")
end

return M
