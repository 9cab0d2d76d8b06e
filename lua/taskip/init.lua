--- taskip: automate a TaskIP account from Lua.
--
--   local taskip = require "taskip"
--   local c = taskip.new{}                 -- key from TASKIP_SECRET_KEY
--   local page, err = c:get("/contact", { page = 1, limit = 50 })
--   if not page then error(tostring(err)) end
--
-- Misuse (a wrong argument, a closed client) raises. Failures from the
-- world return nil, err (see taskip.errors). The C core (taskip.core)
-- holds the key, pins the origin, tracks the rate limit and retries;
-- this file adds JSON, query tables and error objects. Inside nginx the
-- same core moves its bytes over cosockets instead (taskip.ngx); the
-- option transport = "curl" | "ngx" forces a choice.

local core = require "taskip.core"
local json = require "taskip.json"
local errors = require "taskip.errors"

local type, pairs, error, pcall, setmetatable, tostring, getenv, format, rawget =
  type, pairs, error, pcall, setmetatable, tostring, os.getenv, string.format, rawget
-- kept: inside taskip-run's sandbox the global is gone once set up, and
-- some modules load on first use
local require = require
local stderr = io and io.stderr     -- none inside the script host

local DEFAULT_BASE_URL = "https://public-api.taskip.net/api/public-v1"
local RAW_LIMIT = 2048         -- bytes of a non-JSON body kept in err.raw

-- taskip.query (query tables to strings) and taskip.read (the body
-- helpers below) on first use: a script that makes no call, such as a
-- plugin that only calls its host's functions, never loads them.
local query, read

local function read_()
  read = read or require "taskip.read"
  return read
end

local M = {
  version = core.version,
  null = json.null,             -- JSON null, as decoded
  json = json,
  errors = errors,
}

-- tolerant reading of the API's varying bodies (see taskip.read)
function M.payload(body) return read_().payload(body) end
function M.message(body) return read_().message(body) end
function M.items(body) return read_().items(body) end
function M.pagination(body) return read_().pagination(body) end

-- The options taskip.new takes; core.new checks their types.
local OPTIONS = {
  secret_key = true, base_url = true, cafile = true, timeout = true,
  connect_timeout = true, max_retries = true, retry_backoff = true,
  rate_limit = true, max_wait = true, max_response_bytes = true,
  hourly_limit = true, burst_limit = true, allow_http = true,
  debug = true, transport = true,
  keepalive_timeout = true, keepalive_pool = true,   -- transport "ngx" only
  rate_store = true, rate_fleet = true,
  limits = true,                -- per-endpoint limits: { [name] = { n, seconds } | false }
}

-- taskip.resources (the resource methods, the endpoint table and its
-- limits), on first use: a script that names no resource and makes no
-- write never loads it.
local resources

local function resources_()
  resources = resources or require "taskip.resources"
  return resources
end

--- Every endpoint: name, method, path, group, placeholders, ...
function M.endpoints()
  return resources_().list()
end

-- taskip.file, once a file value was made: until then no body holds one,
-- and a script that uploads nothing never loads it.
local files

--- taskip.file{ name =, content = | path =, content_type = } -> a file
--- value, for a request body (see taskip.file).
function M.file(spec)
  files = files or require "taskip.file"
  local f, why = files.make(spec)
  if not f then error(why, 2) end
  return f
end

-- The core that moves the bytes: libcurl (blocking) or nginx cosockets.
-- Default: "ngx" inside nginx's lua module, else "curl".
local function transport_of(opts)
  local t = opts.transport
  if t == nil then
    local ngx = rawget(_G, "ngx")
    t = type(ngx) == "table" and type(ngx.socket) == "table" and "ngx" or "curl"
  end
  if t == "curl" then return core, t end
  if t == "ngx" then return require "taskip.ngx", t end
  error("taskip.new: option 'transport' must be \"curl\" or \"ngx\"", 3)
end

local Client = { __name = "taskip.client" }

-- Raises at `level` (counted from argerror: 3 is its caller's caller).
local function argerror(fname, name, want, got, level)
  error(format("taskip: bad argument '%s' to %s (%s expected, got %s)",
    name, fname, want, type(got)), level or 3)
end

-- opts.limits checked: { ["quotation:send"] = { n, seconds } | false }
-- replaces (or, false, turns off) the endpoint table's limit of that
-- name, for an account with other limits than the documented ones.
local function check_limits(limits)
  if limits == nil then return nil end
  if type(limits) ~= "table" then argerror("taskip.new", "limits", "table", limits, 4) end
  local out = {}
  for name, l in pairs(limits) do
    local bad = type(name) ~= "string" and "names are strings"
    if not bad and l ~= false then
      if type(l) ~= "table" then
        bad = "a limit is { n, seconds } or false"
      elseif type(l[1]) ~= "number" or l[1] % 1 ~= 0 or l[1] < 1 then
        bad = "n must be a whole number, at least 1"
      elseif type(l[2]) ~= "number" or not (l[2] > 0 and l[2] <= 3600) then
        bad = "seconds must be more than 0 and at most 3600"
      end
    end
    if bad then
      error(format("taskip.new: option 'limits' [%s]: %s", tostring(name), bad), 3)
    end
    out[name] = l and { l[1], l[2] }
  end
  return out
end

local function env(name)
  local v = getenv(name)
  if v ~= nil and v ~= "" then return v end
  return nil
end

--- Creates a client. See README.md for the options and their defaults.
function M.new(opts)
  if opts == nil then opts = {} end
  if type(opts) ~= "table" then argerror("taskip.new", "options", "table", opts) end
  for k in pairs(opts) do
    if not OPTIONS[k] then
      error(format("taskip.new: unknown option '%s'", tostring(k)), 2)
    end
  end
  local debug = opts.debug
  if debug ~= nil and type(debug) ~= "boolean" and type(debug) ~= "function" then
    argerror("taskip.new", "debug", "boolean or function", debug)
  end
  local limits = check_limits(opts.limits)
  local backend, transport = transport_of(opts)
  if transport == "ngx" and type(opts.rate_store) == "string" then
    error("taskip.new: option 'rate_store' with transport \"ngx\" is an "
      .. "ngx.shared dictionary: a file or Redis store would block the worker", 2)
  end
  local cfg = {}
  for k, v in pairs(opts) do cfg[k] = v end
  cfg.transport = nil
  cfg.limits = nil
  cfg.base_url = opts.base_url or env("TASKIP_BASE_URL") or DEFAULT_BASE_URL
  -- nginx trusts what lua_ssl_trusted_certificate names, nothing else
  if transport == "curl" then cfg.cafile = opts.cafile or env("TASKIP_CAFILE") end
  cfg.debug = debug ~= nil and debug ~= false
  local ok, handle = pcall(backend.new, cfg)
  cfg.secret_key = nil
  if not ok then error(handle, 2) end
  return setmetatable({ _core = handle, _debug = debug, _limits = limits,
    base_url = cfg.base_url, transport = transport }, Client)
end

local function emit_trace(sink, trace)
  if type(sink) == "function" then
    sink(trace)
  else
    stderr:write(trace)
  end
end

-- Turns the core's result table into value, meta or nil, err.
local function finish(r, raw)
  local meta = { status = r.status, headers = r.headers,
    attempts = r.attempts }
  if r.ok then
    if raw then return r.body, meta end
    if r.body == "" then return {}, meta end       -- 204 and friends
    local v, why = json.decode(r.body)
    if v ~= nil then return v, meta end
    return nil, errors.new {
      kind = "decode", status = r.status, headers = r.headers,
      attempts = r.attempts,
      message = "response is not valid JSON: " .. tostring(why),
      raw = r.body:sub(1, RAW_LIMIT),
    }
  end
  local body = r.body ~= "" and json.decode(r.body) or nil
  local message = r.message
  -- The core only knows the status; the body usually says more.
  if message == "HTTP " .. tostring(r.status) then
    message = errors.message_of(body) or message
  end
  return nil, errors.new {
    kind = r.kind,
    status = r.status ~= 0 and r.status or nil,
    message = message,
    body = body,
    errors = type(body) == "table" and type(body.errors) == "table"
      and body.errors or nil,
    retry_after = r.retry_after,
    headers = r.headers,
    attempts = r.attempts,
    raw = body == nil and r.body ~= "" and r.body:sub(1, RAW_LIMIT) or nil,
  }
end

-- Sends one request. Misuse raises at the caller's line: every method
-- calls this with up = 1, never as a tail call (Lua 5.1 would put a
-- "(tail call)" frame where the caller was and lose its line).
local function call(self, fname, method, path, opts, up)
  local level = 2 + (up or 0)
  if type(method) ~= "string" then argerror(fname, "method", "string", method, level + 1) end
  if type(path) ~= "string" then argerror(fname, "path", "string", path, level + 1) end
  local q, body = opts.query, opts.body
  if q ~= nil and type(q) ~= "table" then argerror(fname, "query", "table", q, level + 1) end
  local form = type(body) == "table" and (opts.multipart or files and files.within(body))
  if form then
    -- taskip.form loads on the first upload: most scripts never make one
    local ok, parts = pcall(require("taskip.form").parts, body)
    if not ok then error(parts, level) end
    form = #parts > 0 and parts         -- an empty form goes as {}
  end
  if form then
    body = form                         -- the core sends multipart/form-data
  elseif body ~= nil and type(body) ~= "string" then
    local text, why = json.encode(body)
    if not text then
      error("taskip: body cannot be encoded as JSON: " .. tostring(why), level)
    end
    body = text
  end
  -- an endpoint with a limit of its own, whichever way it is called
  -- (every such endpoint is a write)
  local upper, lname, count, window = method:upper(), nil, nil, nil
  if upper ~= "GET" and upper ~= "HEAD" then
    lname, count, window = resources_().limit_of(method, path, self._limits)
  end
  query = query or require "taskip.query"
  local ok, r = pcall(self._core.request, self._core, method, path,
    query.encode(q), body, lname, count, window)
  if not ok then error(r, level) end      -- misuse: closed, bad path
  if r.trace and self._debug then emit_trace(self._debug, r.trace) end
  return finish(r, opts.raw)
end

--- c:request(method, path [, { query = {...}, body = {...}|"json",
--- raw = true, multipart = true }]) -> value, meta | nil, err.
--- A body table holding a taskip.file (or with multipart = true) goes
--- as multipart/form-data (see taskip.form).
function Client:request(method, path, opts)
  if opts == nil then opts = {} end
  if type(opts) ~= "table" then argerror("request", "options", "table", opts) end
  local v, meta = call(self, "request", method, path, opts, 1)
  return v, meta
end

function Client:get(path, q)
  local v, meta = call(self, "get", "GET", path, { query = q }, 1)
  return v, meta
end

local function with_body(method)
  local fname = method:lower()
  return function(self, path, body, q)
    local v, meta = call(self, fname, method, path, { body = body, query = q }, 1)
    return v, meta
  end
end

--- taskip.file{...} on a client too: inside taskip-run, `taskip` is
--- the client.
Client.file = M.file

Client.post = with_body("POST")
Client.put = with_body("PUT")
Client.patch = with_body("PATCH")
Client.delete = with_body("DELETE")

--- { limit =, remaining =, reset = <epoch seconds> } of the window
--- that binds now.
function Client:rate_limit()
  return self._core:rate_limit()
end

--- Frees the connection and wipes the key; safe to call twice.
function Client:close()
  return self._core:close()
end

Client.__close = Client.close

-- c.contact, c.project.task, ...: methods generated from the endpoint table
function Client.__index(c, k)
  local v = Client[k]
  -- the client's own fields (_core, _debug, ...) are never resources
  if v ~= nil or type(k) ~= "string" or k:sub(1, 1) == "_" then return v end
  return resources_().resource(c, k, call)
end

function Client.__tostring(c)
  return tostring(c._core)
end

return M
