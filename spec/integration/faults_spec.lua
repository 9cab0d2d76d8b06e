-- Faults of the server and the transport, each with its error kind.
local env = require "support.env"
local core = require "taskip.core"

describe("faults", function()
  local m, c

  setup(function() m = env.mock() end)
  teardown(function() m:stop() end)
  before_each(function()
    m:reset()
    c = env.client(m, { max_retries = 0 })
  end)
  after_each(function() c:close() end)

  it("a malformed body is a decode error that keeps the raw text", function()
    m:faults { malformed = 1 }
    local v, err = c:get("/contact")
    assert.is_nil(v)
    assert.equal("decode", err.kind)
    assert.equal(200, err.status)
    assert.is_string(err.raw)
  end)

  it("a 50 MB body stops at max_response_bytes with too_large", function()
    m:faults { huge_bytes = 50 * 1000 * 1000 }
    local v, err = c:get("/contact")
    assert.is_nil(v)
    assert.equal("too_large", err.kind)
  end)

  it("max_response_bytes is honoured on ordinary bodies too", function()
    local small = env.client(m, { max_response_bytes = 100 })
    local v, err = small:get("/contact")
    assert.is_nil(v)
    assert.equal("too_large", err.kind)
    small:close()
  end)

  it("a 100k-deep body is a decode error, not a crash", function()
    m:faults { deep = 100000 }
    local v, err = c:get("/contact")
    assert.is_nil(v)
    assert.equal("decode", err.kind)
  end)

  it("a response slower than timeout is a timeout", function()
    local quick = env.client(m, { timeout = 0.3, max_retries = 0 })
    m:faults { slow_ms = 5000 }
    local t = core.now()
    local v, err = quick:get("/contact")
    local took = core.now() - t
    assert.is_nil(v)
    assert.equal("timeout", err.kind)
    -- it waited for the timeout, and ended there: the answer would have
    -- come at 5 s; 10 times the timeout leaves a busy machine room
    assert.is_true(took >= 0.25 and took < 3, "took " .. took)
    m:faults { slow_ms = 0 }
    quick:close()
  end)

  it("a connection dropped mid-body is a network error", function()
    m:faults { drop_mid_body = 1 }
    local v, err = c:get("/contact")
    assert.is_nil(v)
    assert.equal("network", err.kind)
  end)

  it("a 5xx HTML page is a server error with the status", function()
    m:faults { fail = 1, fail_status = 500 }
    local v, err = c:get("/contact")
    assert.is_nil(v)
    assert.equal("server", err.kind)
    assert.equal(500, err.status)
  end)

  it("a refused connection is a network error", function()
    local gone = env.mock()
    local url, ca = gone.url, gone.cafile
    gone:stop()
    local d = require("taskip").new { secret_key = env.KEY, base_url = url, cafile = ca,
      max_retries = 0 }
    local v, err = d:get("/contact")
    assert.is_nil(v)
    assert.equal("network", err.kind)
    assert.is_nil(err.status)
    d:close()
  end)
end)

describe("redirects", function()
  it("are not followed: a redirect to a second listener does not carry the key", function()
    local a = env.mock()
    local b = env.mock { secret_key = "other-key-not-a-secret" }
    a:faults { redirect = b.url }
    local c = env.client(a)
    local v, err = c:get("/contact")
    assert.is_nil(v)
    assert.equal("redirect", err.kind)
    assert.equal(302, err.status)
    assert.matches(b.url, err.message, 1, true)
    assert.equal(0, b:stats().total_requests)
    c:close()
    a:stop()
    b:stop()
  end)
end)

describe("TLS", function()
  local function kind_against(mock_opts, client_opts)
    local m = env.mock(mock_opts)
    local c = env.client(m, client_opts)
    local v, err = c:get("/contact")
    local seen = m:stats().total_requests
    c:close()
    m:stop()
    return v, err, seen
  end

  it("an unknown CA (no cafile: the system store) gives tls, and nothing is sent", function()
    local v, err, seen = kind_against({}, { cafile = false })
    assert.is_nil(v)
    assert.equal("tls", err.kind)
    assert.equal(0, seen)
  end)

  it("a certificate for another host gives tls", function()
    local v, err = kind_against { cert_mode = "wrong_host" }
    assert.is_nil(v)
    assert.equal("tls", err.kind)
  end)

  it("an expired certificate gives tls", function()
    local v, err = kind_against { cert_mode = "expired" }
    assert.is_nil(v)
    assert.equal("tls", err.kind)
  end)

  it("a certificate from another CA gives tls", function()
    local v, err = kind_against { cert_mode = "untrusted" }
    assert.is_nil(v)
    assert.equal("tls", err.kind)
  end)
end)
