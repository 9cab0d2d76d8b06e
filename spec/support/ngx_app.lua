-- The handlers the OpenResty specs run inside nginx (LuaJIT): each
-- scenario calls the API through `require "taskip"` and answers a JSON
-- report of what happened, with ngx.now() timestamps for the specs'
-- overlap checks. Failures are also written to nginx's error log, so
-- the log sweep for the key covers error messages.
--
--   location /run/ { content_by_lua_block { require("support.ngx_app").run() } }
--
-- Configuration comes from nginx's environment (env directives):
-- TASKIP_SECRET_KEY, TASKIP_BASE_URL (the emulator, by name), and
-- TEST_TIGHT_URL, TEST_UNTRUSTED_URL, TEST_IP_URL for other emulators.
-- luacheck: globals ngx
local ngx = ngx
local cjson = require "cjson"
local taskip = require "taskip"

local M = {}
local S = {}            -- scenarios, by name: /run/<name>?args

local function now()
  ngx.update_time()
  return ngx.now()
end

local function client(opts)
  local o = { retry_backoff = 0.01, burst_limit = 1000000 }
  for k, v in pairs(opts or {}) do o[k] = v end
  return taskip.new(o)
end

-- An error object as plain fields (and into the error log).
local function report(err)
  if not err then return nil end
  ngx.log(ngx.ERR, "taskip call failed: ", tostring(err))
  return { kind = err.kind, status = err.status, message = err.message,
    attempts = err.attempts, retry_after = err.retry_after,
    errors = err.errors, text = tostring(err) }
end

local function arg(name) return ngx.var["arg_" .. name] end

--- One GET (?path=, ?timeout=, ?max=): ok, status, attempts, err.
function S.get()
  local c = client { timeout = tonumber(arg("timeout")),
    max_response_bytes = tonumber(arg("max")) }
  local t0 = now()
  local v, meta = c:get(arg("path") or "/contact", { limit = 1 })
  local t1 = now()
  c:close()
  return { ok = v ~= nil, status = meta and meta.status,
    attempts = meta and meta.attempts, err = report(not v and meta),
    started = t0, finished = t1 }
end

--- Eleven quotation sends (?window= seconds of the endpoint's limit,
--- policy error): each one's kind ("ok") and status.
function S.quotation_sends()
  local c = client { rate_limit = "error",
    limits = { ["quotation:send"] = { 10, tonumber(arg("window")) } } }
  local kinds, statuses = {}, {}
  for i = 1, 11 do
    local v, meta = c.quotation:send((i - 1) % 5 + 1, {})
    kinds[i] = v and "ok" or meta.kind
    statuses[i] = meta.status or 0
  end
  c:close()
  return { kinds = kinds, statuses = statuses }
end

--- One POST /contact: a write's retry rules.
function S.post()
  local c = client { timeout = tonumber(arg("timeout")) }
  local v, err = c:post("/contact", { first_name = "Ngx", last_name = "Example",
    email = "ngx" .. math.random(1, 1e9) .. "@example.com" })
  c:close()
  return { ok = v ~= nil, err = report(not v and err) }
end

--- Two files and a description to ticket 1's attachments (multipart).
function S.upload()
  local c = client()
  local v, err = c.ticket.attachment:create(1, { description = "From nginx",
    files = { taskip.file{ name = "a.txt", content = "hello", content_type = "text/plain" },
              taskip.file{ name = "b.bin", content = "\0\1\2" } } })
  c:close()
  return { ok = v ~= nil, err = report(not v and err), data = v and v.data }
end

--- The facade's methods, generated methods, JSON and documented errors.
function S.methods()
  local c = client()
  local out = { transport = c.transport }
  local page, meta = assert(c.contact:list { limit = 2 })
  out.listed, out.status = #page.data, meta.status
  out.limit_header = meta.headers["x-ratelimit-limit"]
  local id = page.data[1].id
  out.path = "/contact/" .. id                      -- integers stay integers
  local one = assert(c:get(out.path))
  out.same_id = one.data.id == id
  local made = assert(c.contact:create { first_name = "Ada", last_name = "Ngx",
    email = "ada.ngx@example.com" })
  out.created_id = made.data.id
  local _, e1 = c.contact:get(999999)
  out.not_found = report(e1)
  local _, e2 = c:post("/contact", {})
  out.validation = report(e2)
  local ok, e3 = pcall(c.get, c, "https://evil.example/contact")
  out.refused = not ok and tostring(e3)
  out.rate = c:rate_limit()
  out.tostring = tostring(c)
  c:close()
  return out
end

--- A client with another key: 401 is kind auth.
function S.wrong_key()
  local c = client { secret_key = "wrong-key-not-real" }
  local v, err = c:get("/contact")
  c:close()
  return { ok = v ~= nil, err = report(err) }
end

--- Trust: an emulator nginx does not trust, and an IP-literal URL.
function S.tls()
  local out = {}
  for _, name in ipairs { "TEST_UNTRUSTED_URL", "TEST_IP_URL" } do
    local c = client { base_url = os.getenv(name) }
    local v, err = c:get("/contact")
    out[name] = { ok = v ~= nil, err = report(err) }
    c:close()
  end
  return out
end

--- Options only the ngx transport refuses, and the forced transport.
function S.options()
  local ok, err = pcall(taskip.new, { cafile = "/etc/ssl/certs/ca-certificates.crt" })
  return { cafile_refused = not ok and tostring(err),
    default = client().transport, forced = client { transport = "curl" }.transport }
end

--- A chunked body from nginx itself, over plain http to loopback.
function S.chunked()
  local c = client { allow_http = true, max_response_bytes = tonumber(arg("max")),
    base_url = "http://127.0.0.1:" .. ngx.var.server_port .. "/api/public-v1" }
  local v, meta = c:get("/chunked", { n = tonumber(arg("n")) })
  c:close()
  return { ok = v ~= nil, items = v and #v.items, err = report(not v and meta) }
end

--- Where the key could show: the client's fields, tostring, errors,
--- the debug trace.
function S.key()
  local key = os.getenv("TASKIP_SECRET_KEY")
  local traces = {}
  local c = client { debug = function(t) traces[#traces + 1] = t end }
  local seen = {}
  local function has(v)
    if type(v) == "string" then return v:find(key, 1, true) ~= nil end
    if type(v) == "userdata" then return tostring(v):find(key, 1, true) ~= nil end
    if type(v) ~= "table" or seen[v] then return false end
    seen[v] = true
    for k, x in pairs(v) do
      if has(k) or has(x) then return true end
    end
    return false
  end
  local _, err = c:get("/no/such/route")
  local found = has(c) or has(tostring(c)) or has(err) or has(tostring(err))
    or has(traces)
  c:close()
  return { checked = err ~= nil and key ~= nil and #key > 8, found = found,
    trace = table.concat(traces) }
end

--- A call from a timer, as the phase error suggests.
function S.timer()
  local done
  assert(ngx.timer.at(0, function()
    local c = client()
    local v, err = c:get("/contact")
    done = { ok = v ~= nil, err = report(err) }
    c:close()
  end))
  local t0 = now()
  while not done and now() - t0 < 15 do ngx.sleep(0.01) end
  return done or { ok = false, err = { kind = "no answer from the timer" } }
end

--- A slow call (the spec sets the emulator's latency).
function S.slow()
  return S.get()
end

--- A rate-limit wait: the emulator behind TEST_TIGHT_URL allows one
--- request per window, so the second call waits for the reset.
function S.wait()
  local c = client { base_url = os.getenv("TEST_TIGHT_URL") }
  assert(c:get("/contact"))
  local t0 = now()
  local v, err = c:get("/contact")
  local t1 = now()
  c:close()
  return { ok = v ~= nil, err = report(err), started = t0, finished = t1 }
end

--- ?n= slow calls from one request, each in its own light thread.
function S.overlap()
  local n = tonumber(arg("n")) or 5
  local c = client()
  local threads = {}
  local t0 = now()
  for i = 1, n do
    threads[i] = ngx.thread.spawn(function()
      local v, err = c:get("/contact", { limit = 1 })
      return v ~= nil, err
    end)
  end
  local ok = 0
  for i = 1, n do
    local _, good = ngx.thread.wait(threads[i])
    if good then ok = ok + 1 end
  end
  local t1 = now()
  c:close()
  return { ok = ok, n = n, started = t0, finished = t1 }
end

--- The taskip.core contract (spec/contract/core_contract.lua) against
--- taskip.ngx, with the key from TEST_KEY: this server must not have
--- TASKIP_SECRET_KEY, which a case expects to be missing.
function S.contract()
  local contract = require "contract.core_contract"
  local core = require "taskip.ngx"
  local c = core.new { secret_key = os.getenv("TEST_KEY"), retry_backoff = 0.01,
    base_url = os.getenv("TASKIP_BASE_URL") }
  local out = {}
  for name, ok, why in contract.run(core, c) do
    out[#out + 1] = { name = name, ok = ok, why = why and tostring(why) }
  end
  return out
end

--- No I/O: answers at once with the time it ran.
function S.ping()
  return { at = now() }
end

--- The phase errors recorded by the init, header_filter and log
--- phases (see the handlers below).
local phase_errors = {}
function S.phase_errors()
  return phase_errors
end

local function try_call(phase)
  local ok, err = pcall(function() return client():get("/contact") end)
  phase_errors[phase] = not ok and tostring(err) or "no error"
end

--- init_by_lua: creates a client and calls (the call must refuse).
function M.init()
  try_call("init")
end

function M.header_filter()
  if ngx.var.arg_call_in_filter then try_call("header_filter") end
end

function M.log()
  if ngx.var.arg_call_in_log then try_call("log") end
end

--- content_by_lua: /run/<scenario>.
function M.run()
  local name = ngx.var.uri:match("^/run/([%w_]+)$")
  local f = S[name]
  if not f then return ngx.exit(404) end
  local out = f()
  ngx.header["Content-Type"] = "application/json"
  ngx.say(cjson.encode(out))
end

--- content_by_lua: /api/public-v1/chunked, a JSON body in ?n= chunks.
function M.chunked()
  local n = tonumber(ngx.var.arg_n) or 5
  ngx.header["Content-Type"] = "application/json"
  ngx.print('{"items":[')
  for i = 1, n do
    ngx.print((i > 1 and "," or "") .. '"' .. string.rep("x", 1000) .. '"')
    ngx.flush(true)
  end
  ngx.print("]}")
end

return M
