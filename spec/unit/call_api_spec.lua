-- The binding's call API (client:call), which lets a transport written
-- in Lua carry the core's attempts: no server needed, the spec plays the
-- transport. Above all: the key becomes a Lua string only for a client
-- made for a Lua transport, and only while an attempt is out.
local core = require "taskip.core"

local KEY = "test-key-not-a-secret-call-api"

local function client(lua_transport)
  return core.new { secret_key = KEY, base_url = "https://api.example.test/api/public-v1",
    retry_backoff = 0.01, lua_transport = lua_transport }
end

local function holds_key(t)
  for _, v in pairs(t) do
    if type(v) == "string" and v:find(KEY, 1, true) then return true end
    if type(v) == "table" and holds_key(v) then return true end
  end
  return false
end

describe("client:call", function()
  it("hands out the attempt as data, without the key", function()
    local call = client(true):call("POST", "/contact", "a=1", '{"x":1}')
    local what, a = call:step()
    assert.equal("send", what)
    assert.equal("POST", a.method)
    assert.equal("https://api.example.test:443/api/public-v1/contact?a=1", a.url)
    assert.equal("/api/public-v1/contact?a=1", a.target)
    assert.equal("api.example.test", a.host)
    assert.equal(443, a.port)
    assert.equal('{"x":1}', a.body)
    assert.is_false(a.idempotent)
    assert.is_false(holds_key(a))
    call:close()
  end)

  it("gives the key line only to a Lua-transport client, only while an attempt is out", function()
    local plain = client(false):call("GET", "/contact")
    assert.equal("send", (plain:step()))
    assert.has_error(function() plain:secret_header() end)

    local call = client(true):call("GET", "/contact")
    assert.has_error(function() call:secret_header() end)       -- nothing out yet
    assert.equal("send", (call:step()))
    assert.equal("X-Secret-Key: " .. KEY, call:secret_header())
    call:failure("connect", false, "refused")
    assert.has_error(function() call:secret_header() end)       -- answered
  end)

  it("lets the core decide: a connect failure of a GET is retried after a wait", function()
    local call = client(true):call("GET", "/contact")
    call:step()
    -- the wait is counted from the failure: asked at a time taken just
    -- before it, the answer does not depend on how long this process was
    -- descheduled in between (the backoff, 5-10 ms here, is shorter than
    -- that can be on a busy machine)
    local before = core.now()
    call:failure("connect", false, "refused")
    local what, wait = call:step(before)
    assert.equal("wait", what)
    assert.is_true(wait > 0.004 and wait < 1, "wait " .. tostring(wait))
  end)

  it("never re-sends a POST that may have reached the server", function()
    local call = client(true):call("POST", "/contact", nil, "{}")
    call:step()
    call:failure("connect", true, "reset after writing")
    local what, r = call:step()
    assert.equal("done", what)
    assert.equal("network", r.kind)
    assert.equal(1, r.attempts)
    assert.truthy(r.message:find("may have reached the server", 1, true))
  end)

  it("digests a response given as {name, value} pairs", function()
    local call = client(true):call("GET", "/contact")
    call:step()
    call:response(200, { { "Content-Type", "application/json" } }, '{"data":[]}')
    local what, r = call:step()
    assert.equal("done", what)
    assert.is_true(r.ok)
    assert.equal("application/json", r.headers["content-type"])
    assert.equal('{"data":[]}', r.body)
  end)

  it("refuses misuse: a second step, an answer with none out, an unknown kind", function()
    local call = client(true):call("GET", "/contact")
    assert.has_error(function() call:response(200, {}, "") end)
    call:step()
    assert.has_error(function() call:step() end)
    assert.has_error(function() call:failure("gremlins", false) end)
    assert.has_error(function() client(true):call("GET", "//evil.example/x") end)
  end)
end)
