-- The emulator's request pipeline, run inside its private lua_State
-- (src/mock/lua_bridge.c calls init, handle and control).
--
-- Order for a request under /api/public-v1 (faults touch only these):
--   1. drop fault (no response), then redirect fault (302) -- before
--      auth, so a client sees them whatever its key;
--   2. auth: missing/wrong X-Secret-Key -> 401 (not counted);
--   3. status429 fault, then the rate budget, then the endpoint's own
--      limit (the table's `limit`) -> 429; the last answers with that
--      limit's X-RateLimit-* and Retry-After;
--   4. fail -> fail_status; malformed; html; huge_bytes; deep -- each
--      replaces the routed answer;
--   5. routing (413, 400 bad JSON, 404/405, handlers); the routes
--      are every row of taskip.endpoints (see taskip.mock.routes);
--   6. stall replaces that answer with silence (stall_ms, then the
--      connection closes; recorded with action "stall"); else
--      drop_mid_body and content_type modify it.
-- Every non-control response gets X-RateLimit-* headers and a delay
-- of latency_ms + slow_ms. Control requests (/__mock/...) need no key
-- and are neither delayed, faulted, counted nor recorded.

local contacts = require "taskip.mock.contacts"
local faults = require "taskip.mock.faults"
local json = require "taskip.mock.json"
local native = require "taskip.mock.native"
local ratelimit = require "taskip.mock.ratelimit"
local reply = require "taskip.mock.reply"
local routing = require "taskip.mock.routes"
local seed = require "taskip.mock.seed"
local stats = require "taskip.mock.stats"

local M = {}

local BASE = "/api/public-v1"
local CONTROL = "/__mock/"

local config        -- from init; holds the key, never copied elsewhere
local limiter
local endpoint_limits
local routes

function M.init(cfg)
  assert(type(cfg.secret_key) == "string" and cfg.secret_key ~= "",
    "secret_key is required")
  config = {
    secret_key = cfg.secret_key,
    latency_ms = math.tointeger(cfg.latency_ms) or 0,
  }
  limiter = ratelimit.new(math.tointeger(cfg.limit) or 1000,
    math.tointeger(cfg.window) or 3600, cfg.reset_format)
  endpoint_limits = ratelimit.endpoints(math.tointeger(cfg.window) or 3600,
    cfg.reset_format)
  routes = routing.build()
  seed.reset()
  contacts.reset()
  if cfg.faults_json and cfg.faults_json ~= "" then
    local t, err = json.decode(cfg.faults_json)
    local ok
    if t ~= nil then
      ok, err = faults.set(t)
    end
    assert(ok, "faults: " .. tostring(err))
  end
end

-- {==================================================================
-- Faults that replace the answer
-- ===================================================================

local function too_many()
  local r = reply.json(429, {message = "Too Many Attempts."})
  if faults.get("retry_after") then
    r.headers["Retry-After"] = tostring(limiter:retry_after())
  end
  return r
end

-- Past an endpoint's own limit: Laravel's throttle answer, with that
-- limit's figures (handle leaves them as they are).
local function too_many_for(own)
  local r = reply.json(429, {message = "Too Many Attempts."})
  r.headers["Retry-After"] = tostring(own:retry_after())
  own:headers(r.headers)
  r.own_limit = true
  return r
end

local function failed()
  local status = faults.get("fail_status")
  local r = reply.error(status, "Injected failure (taskip-mock)")
  local after = faults.get("fail_retry_after")
  if after then
    r.headers["Retry-After"] = tostring(after)
  end
  return r
end

-- A valid JSON body of about n bytes, streamed by C from the parts.
local function huge(n)
  local item = '{"id":1,"first_name":"Filler","note":"'
    .. string.rep("x", 960) .. '"}'
  local head, tail = '{"data":[', ']}'
  local count = math.max(1, (n - #head - #tail + 1) // (#item + 1))
  local r = reply.raw(200, head)
  r.stream = {item = item, sep = ",", count = count, tail = tail}
  return r
end

-- What a captive portal or a misconfigured proxy answers instead.
local HTML_PAGE = "<!DOCTYPE html>\n<html><head><title>Sign in</title></head>"
  .. "<body><p>Please sign in to continue.</p></body></html>\n"

local function deep(n)
  return reply.raw(200, string.rep("[", n) .. string.rep("]", n))
end

-- }==================================================================

local function route(req, rel)
  local r, params, allow = routes:match(req.method, rel)
  if not r then
    if params == "method" then
      local resp = reply.error(405, "The " .. req.method
        .. " method is not supported for this route.")
      resp.headers["Allow"] = allow
      return resp
    end
    return reply.error(404, "Not found"), nil
  end
  local body = {}
  if r.body then
    if req.body_too_large then
      return reply.error(413, "The request body is too large."), r
    end
    if req.form and req.form.broken then
      return reply.error(400, "The request body is not a valid multipart form."), r
    elseif req.form then
      body = req.form.fields
    elseif req.body:find("%S") then
      local err
      body, err = json.decode(req.body)
      if type(body) ~= "table" then
        if not (r.shape and r.shape.raw_body) then
          return reply.error(400, "The request body must be a JSON object"
            .. (err and ": " .. err or ".")), r
        end
        body = {}
      end
    end
  end
  local ctx = {
    req = req,
    params = params,
    query = req.query,
    body = body,
    rel = rel,
    url = "https://" .. (req.headers.host or "127.0.0.1") .. BASE,
  }
  return routing.call(r, ctx), r
end

-- Answer an API request; entry (the stats record) is filled in.
local function api(req, rel, entry)
  local given = req.headers["x-secret-key"]
  -- Count by route pattern whatever answers, faults included.
  local known, params = routes:match(req.method, rel)
  if known then
    entry.route = known.pattern
    entry.endpoint = known.endpoint
    entry.params = params
  end
  entry.key_present = given ~= nil
  entry.key_valid = given ~= nil
    and native.secure_equal(given, config.secret_key)

  if faults.take("drop") then
    return {status = 0, action = "drop"}
  end
  local target = faults.get("redirect")
  if target then
    local r = reply.raw(302, "")
    r.headers["Location"] = target .. req.path
      .. (req.raw_query ~= "" and "?" .. req.raw_query or "")
    return r
  end
  if not entry.key_valid then
    return reply.unauthorized()
  end
  if faults.take("status429") or not limiter:hit() then
    return too_many()
  end
  local own = known and endpoint_limits:of(known.row)
  if own and not own:hit() then
    return too_many_for(own)
  end

  local r
  if faults.take("fail") then
    r = failed()
  elseif faults.take("malformed") then
    r = reply.raw(200, '{"data": [1, 2')
  elseif faults.take("html") then
    r = reply.raw(200, HTML_PAGE, "text/html; charset=UTF-8")
  else
    local n = faults.take_value("huge_bytes")
    local depth = not n and faults.take_value("deep")
    if n then
      r = huge(n)
    elseif depth then
      r = deep(depth)
    else
      r = route(req, rel)
    end
  end
  if faults.take("stall") then
    return {status = 0, action = "drop", stall = true, headers = {}}
  end
  if faults.take("drop_mid_body") then
    r.action = "drop_mid_body"
  end
  local ctype = faults.take_value("content_type")
  if ctype then
    r.headers["Content-Type"] = ctype
  end
  return r
end

-- {==================================================================
-- Control
-- ===================================================================

local function do_stats()
  return stats.snapshot(faults.snapshot())
end

local function do_reset()
  faults.reset()
  stats.reset()
  limiter:reset()
  endpoint_limits:reset()
  seed.reset()
  contacts.reset()
  return {ok = true}
end

local function do_faults(t)
  local ok, err = faults.set(t)
  if not ok then
    return nil, err
  end
  return {ok = true, faults = faults.snapshot()}
end

-- Run command cmd with argument arg; returns a table or nil, err.
local function command(cmd, arg)
  if cmd == "stats" then
    return do_stats()
  elseif cmd == "reset" then
    return do_reset()
  elseif cmd == "faults" then
    return do_faults(arg)
  end
  return nil, "unknown command: " .. tostring(cmd)
end

-- In-process control: json {"cmd": ..., "faults": {...}}.
-- Returns the reply JSON and true, or an {"error":...} JSON and false.
function M.control(text)
  local t, err = json.decode(text)
  local result
  if type(t) ~= "table" then
    err = "control: expected a JSON object" .. (err and ": " .. err or "")
  else
    result, err = command(t.cmd, t.faults)
  end
  if not result then
    return json.encode({error = err}), false
  end
  return json.encode(result), true
end

local CONTROL_ROUTES = {
  ["GET stats"] = "stats", ["POST reset"] = "reset",
  ["POST faults"] = "faults",
}

local function control_http(req)
  local name = req.path:sub(#CONTROL + 1)
  local cmd = CONTROL_ROUTES[req.method .. " " .. name]
  if not cmd then
    return reply.error(404, "Unknown control endpoint")
  end
  local arg
  if cmd == "faults" then
    local err
    arg, err = json.decode(req.body)
    if type(arg) ~= "table" then
      return reply.error(400, "Expected a JSON object of faults"
        .. (err and ": " .. err or ""))
    end
  end
  local result, err = command(cmd, arg)
  if not result then
    return reply.error(400, err)
  end
  return reply.json(200, result)
end

-- }==================================================================

-- The request headers tests may check; never the key.
local RECORDED = {"accept", "content-type", "user-agent"}

local function recorded_headers(headers)
  local out = {}
  for _, name in ipairs(RECORDED) do
    out[name] = headers[name]
  end
  return out
end

-- A multipart body, as C read it (req.form.parts, by libmicrohttpd's
-- post processor), also as fields (name -> value, the last of a
-- repeated name) and files; the record keeps each part's name, file
-- name, type and size (not its bytes). A broken form is a 400.
local function read_form(req, entry)
  local form = req.form
  if not form then return end
  local fields, files, parts = {}, {}, {}
  for i, p in ipairs(form.parts) do
    parts[i] = {name = p.name, filename = p.filename,
      content_type = p.content_type, size = p.size}
    if p.filename then
      files[#files + 1] = {name = p.name, filename = p.filename, size = p.size,
        content_type = p.content_type or "application/octet-stream"}
    else
      fields[p.name] = p.value
    end
  end
  form.fields, form.files = fields, files
  entry.parts = json.array(parts)
end

-- Entry point from C: req {method, path, raw_query, query, headers,
-- body, body_too_large, connection_id} -> response table.
function M.handle(req)
  if req.path:sub(1, #CONTROL) == CONTROL then
    return control_http(req)
  end
  local rel
  if req.path == BASE or req.path:sub(1, #BASE + 1) == BASE .. "/" then
    rel = req.path:sub(#BASE + 1)
  end
  local entry = {
    method = req.method,
    path = req.path,
    query = req.raw_query,
    args = req.query,
    headers = recorded_headers(req.headers),
    key_present = false,
    key_valid = false,
    body_bytes = #req.body,
    connection_id = req.connection_id,
    route = rel or req.path,
  }
  read_form(req, entry)
  local r
  if rel then
    r = api(req, rel, entry)
  else
    r = reply.error(404, "Not found")
  end
  r.delay_ms = config.latency_ms + faults.get("slow_ms")
    + (r.stall and faults.get("stall_ms") or 0)
  if r.action ~= "drop" and not r.own_limit then
    limiter:headers(r.headers)
  end
  entry.status = r.status
  entry.action = r.stall and "stall" or r.action
  stats.record(entry)
  return r
end

return M
