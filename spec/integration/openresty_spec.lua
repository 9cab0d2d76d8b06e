-- require "taskip" inside a real nginx (Debian's lua module, LuaJIT),
-- against the emulator over real TLS: the cosocket transport gives the
-- same API, the same error kinds and the same retry rules as libcurl,
-- refuses phases without cosockets, and keeps the key out of nginx's
-- logs. The handlers are in spec/support/ngx_app.lua.
local env = require "support.env"
local nginx = require "support.nginx"

local by_name = nginx.by_name

describe("taskip in nginx (transport ngx)", function()
  local m, untrusted, srv

  local function run(name, query) return srv:run(name, query) end

  setup(function()
    m = env.mock()
    untrusted = env.mock()            -- its CA is not in nginx's trust
    srv = nginx.start {
      trusted = m.cafile,
      env = { TASKIP_SECRET_KEY = env.KEY, TASKIP_BASE_URL = by_name(m),
        TEST_UNTRUSTED_URL = by_name(untrusted), TEST_IP_URL = m.url },
      http = [[init_by_lua_block { require("support.ngx_app").init() }]],
      server = [[
        location /run/ {
          content_by_lua_block { require("support.ngx_app").run() }
          header_filter_by_lua_block { require("support.ngx_app").header_filter() }
          log_by_lua_block { require("support.ngx_app").log() }
        }
        location /api/public-v1/chunked {
          content_by_lua_block { require("support.ngx_app").chunked() }
        }]],
    }
  end)

  teardown(function()
    if srv then srv:stop() end
    m:stop()
    untrusted:stop()
  end)

  before_each(function() m:reset() end)

  it("picks the ngx transport inside nginx; calls, generated methods and integers work", function()
    local r = run("methods")
    assert.equal("ngx", r.transport)
    assert.equal(2, r.listed)
    assert.equal(200, r.status)
    assert.is_string(r.limit_header)
    assert.matches("^/contact/%d+$", r.path)
    assert.is_true(r.same_id)
    assert.is_number(r.created_id)
    assert.equal(2, env.count(m, "POST /contact"))     -- the create, the 422
    assert.matches("^taskip%.client %(ngx%)", r.tostring)
    assert.is_number(r.rate.remaining)
  end)

  it("sends its own User-Agent and the key over a verified TLS connection", function()
    run("get")
    local seen = env.requests(m)
    assert.equal(1, #seen)
    assert.is_true(seen[1].key_valid)
    assert.matches("^taskip/%S+ ngx_lua/%d+%.%d+%.%d+$", seen[1].headers["user-agent"])
  end)

  it("returns the documented errors: not_found, validation, a refused path", function()
    local r = run("methods")
    assert.equal("not_found", r.not_found.kind)
    assert.equal(404, r.not_found.status)
    assert.equal("validation", r.validation.kind)
    assert.equal(422, r.validation.status)
    assert.is_table(r.validation.errors)
    assert.matches("refused path", r.refused)
  end)

  it("a wrong key is kind auth (401)", function()
    local r = run("wrong_key")
    assert.is_false(r.ok)
    assert.equal("auth", r.err.kind)
    assert.equal(401, r.err.status)
  end)

  it("retries a GET whose connection dropped, on a new connection", function()
    m:faults { drop = 1 }
    local r = run("get")
    assert.is_true(r.ok)
    assert.equal(2, r.attempts)
    assert.equal(2, env.count(m, "GET /contact"))
  end)

  it("never sends a POST twice after it reached the server (dropped, 503)", function()
    m:faults { drop = 1 }
    local r = run("post")
    assert.equal("network", r.err.kind)
    assert.equal(1, env.count(m, "POST /contact"))
    m:reset()
    m:faults { fail = 1 }
    r = run("post")
    assert.equal("server", r.err.kind)
    assert.equal(503, r.err.status)
    assert.equal(1, r.err.attempts)
    assert.equal(1, env.count(m, "POST /contact"))
  end)

  it("retries a GET answered 503, with backoff, and succeeds", function()
    m:faults { fail = 2 }
    local r = run("get")
    assert.is_true(r.ok)
    assert.equal(3, r.attempts)
  end)

  it("ends a silent server's call at the client's timeout with kind timeout", function()
    m:faults { stall = 1, stall_ms = 5000 }
    local r = run("post", "timeout=0.5")
    assert.equal("timeout", r.err.kind)
    assert.equal(1, env.count(m, "POST /contact"))
  end)

  it("does not follow a redirect: kind redirect", function()
    m:faults { redirect = untrusted.url }
    local r = run("get")
    assert.equal("redirect", r.err.kind)
    assert.equal(0, untrusted:stats().total_requests)
  end)

  it("refuses a body over max_response_bytes (too_large) and non-JSON (decode)", function()
    m:faults { huge_bytes = 100000 }
    assert.equal("too_large", run("get", "max=10000").err.kind)
    m:faults { malformed = 1 }
    assert.equal("decode", run("get").err.kind)
  end)

  it("reads chunked bodies, and counts them against max_response_bytes", function()
    local r = run("chunked", "n=40")
    assert.is_true(r.ok)
    assert.equal(40, r.items)
    r = run("chunked", "n=40&max=20000")
    assert.equal("too_large", r.err.kind)
  end)

  it("verifies the server: an untrusted CA and an IP-literal URL fail with kind tls", function()
    local r = run("tls")
    assert.equal("tls", r.TEST_UNTRUSTED_URL.err.kind)
    assert.equal(0, untrusted:stats().total_requests)
    assert.equal("tls", r.TEST_IP_URL.err.kind)
    assert.matches("host name", r.TEST_IP_URL.err.message)
  end)

  it("refuses cafile (nginx trusts lua_ssl_trusted_certificate); transport forces a core",
    function()
    local r = run("options")
    assert.matches("lua_ssl_trusted_certificate", r.cafile_refused)
    assert.equal("ngx", r.default)
    assert.equal("curl", r.forced)
  end)

  it("raises a clear error in phases without cosockets, naming the phase and ngx.timer.at",
    function()
    srv:get("/run/ping?call_in_filter=1&call_in_log=1")
    local r = run("phase_errors")
    for _, phase in ipairs { "init", "header_filter", "log" } do
      assert.matches("'" .. phase .. "' phase", r[phase], 1, true)
      assert.matches("ngx.timer.at", r[phase], 1, true)
    end
    assert.equal(0, m:stats().total_requests)
  end)

  it("works from a timer, as that error suggests", function()
    assert.is_true(run("timer").ok)
    assert.equal(1, env.count(m, "GET /contact"))
  end)

  it("keeps the key out of the client, tostring, errors and the debug trace", function()
    local r = run("key")
    assert.is_true(r.checked)
    assert.matches("> GET /api/public-v1/no/such/route\n< 404", r.trace, 1, true)
    assert.is_false(r.found)
  end)

  it("leaves no trace of the key in nginx's error and access logs", function()
    run("wrong_key")                        -- failures are logged too
    local logs = srv:error_log() .. srv:access_log()
    assert.matches("taskip call failed", logs, 1, true)
    assert.same({}, require("support.canary").scan(logs, env.KEY))
  end)
end)
