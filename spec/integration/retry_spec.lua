-- Retries: idempotent methods only, bounded, budgeted; a write is
-- never sent twice. Counted at the emulator.
local env = require "support.env"

describe("retries", function()
  local m, c

  setup(function() m = env.mock() end)
  teardown(function() m:stop() end)
  before_each(function()
    m:reset()
    c = env.client(m)
  end)
  after_each(function() c:close() end)

  it("retry a GET after a 503 and succeed", function()
    m:faults { fail = 1 }
    local page, meta = c:get("/contact")
    assert.is_table(page)
    assert.equal(2, meta.attempts)
    assert.equal(2, env.count(m, "GET /contact"))
  end)

  it("retry a GET at most max_retries times", function()
    m:faults { fail = 10 }
    local v, err = c:get("/contact")
    assert.is_nil(v)
    assert.equal("server", err.kind)
    assert.equal(503, err.status)
    assert.equal(3, err.attempts)
    assert.equal(3, env.count(m, "GET /contact"))
  end)

  it("do not retry when max_retries is 0", function()
    local d = env.client(m, { max_retries = 0 })
    m:faults { fail = 1 }
    local v, err = d:get("/contact")
    assert.is_nil(v)
    assert.equal("server", err.kind)
    assert.equal(1, env.count(m, "GET /contact"))
    d:close()
  end)

  it("never re-send a POST after a 503", function()
    m:faults { fail = 1 }
    local v, err = c:post("/contact", { first_name = "P", email = "p@example.com" })
    assert.is_nil(v)
    assert.equal("server", err.kind)
    assert.equal(1, err.attempts)
    assert.equal(1, env.count(m, "POST /contact"))
  end)

  it("never re-send a POST whose reused connection was dropped", function()
    assert(c:get("/contact"))               -- the connection is now reused
    m:faults { drop = 1 }
    local v, err = c:post("/contact", { first_name = "Q", email = "q@example.com" })
    assert.is_nil(v)
    assert.equal("network", err.kind)
    assert.equal(1, env.count(m, "POST /contact"))
    -- and the contact was not created behind our back
    local page = assert(c:get("/contact", { search = "q@example.com" }))
    assert.same({}, page.data)
  end)

  it("retry a GET whose connection was dropped", function()
    assert(c:get("/contact"))
    m:faults { drop = 1 }
    assert.is_table((c:get("/contact")))
  end)

  it("retry a PUT, which is idempotent", function()
    m:faults { fail = 1 }
    local v = c:put("/contact/1", { last_name = "Again" })
    assert.equal("Contact Updated", v.msg)
    assert.equal(2, env.count(m, "PUT /contact/{id}"))
  end)

  it("do not retry a 404 or a 422", function()
    assert.is_nil((c:get("/contact/999999")))
    assert.equal(1, env.count(m, "GET /contact/{id}"))
    assert.is_nil((c:put("/contact/1", { email = "not-an-email" })))
    assert.equal(1, env.count(m, "PUT /contact/{id}"))
  end)

  it("stop retrying when the per-client budget is spent: no flood", function()
    m:faults { fail = 1000 }
    local calls = 20
    for _ = 1, calls do assert.is_nil((c:get("/contact"))) end
    local sent = env.count(m, "GET /contact")
    -- without a budget: calls * 3 = 60; with it: calls + 10 tokens
    assert.is_true(sent <= calls + 10, "sent " .. sent)
    assert.is_true(sent > calls, "no retry at all: " .. sent)
  end)
end)
