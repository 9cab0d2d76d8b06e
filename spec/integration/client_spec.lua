-- The client against the emulator over real TLS: the key, the JSON,
-- the error model, connection reuse.
local env = require "support.env"
local taskip = require "taskip"

describe("client against taskip-mock", function()
  local m, c

  setup(function() m = env.mock() end)
  teardown(function() m:stop() end)
  before_each(function()
    m:reset()
    c = env.client(m)
  end)
  after_each(function() c:close() end)

  it("sends the key: the emulator accepts it and says it saw it", function()
    local page = assert(c:get("/contact"))
    assert.is_table(page.data)
    local seen = env.requests(m)
    assert.equal(1, #seen)
    assert.is_true(seen[1].key_present)
    assert.is_true(seen[1].key_valid)
  end)

  it("serves many calls over one TLS connection", function()
    for _ = 1, 20 do assert(c:get("/contact", { limit = 5 })) end
    assert.equal(1, m:stats().connections)
  end)

  it("opens a connection per client, not per call", function()
    local d = env.client(m)
    assert(c:get("/contact"))
    assert(d:get("/contact"))
    assert(c:get("/contact"))
    assert.equal(2, m:stats().connections)
    d:close()
  end)

  it("decodes integral numbers as integers, so ids build paths", function()
    local page = assert(c:get("/contact", { limit = 1 }))
    local id = page.data[1].id
    assert.equal("integer", math.type(id))
    local one = assert(c:get("/contact/" .. id))
    assert.equal(id, one.data.id)
  end)

  it("returns status and lowercase headers as the second value", function()
    local _, meta = c:get("/contact")
    assert.equal(200, meta.status)
    assert.is_string(meta.headers["x-ratelimit-limit"])
    assert.equal(1, meta.attempts)
  end)

  it("percent-encodes query tables, so the server sees the values intact", function()
    local page = assert(c:get("/contact", { search = "a&b=c d", limit = 3 }))
    assert.same({}, page.data)
    local q = env.requests(m)[1].args
    assert.equal("a&b=c d", q.search)
    assert.equal("3", q.limit)
  end)

  it("walks Laravel pagination through the API's own same-origin links", function()
    local page = assert(c:get("/contact", { limit = 10 }))
    local pages, seen = 1, #page.data
    while page.links.next ~= taskip.null do
      -- the links carry only ?page=N; the query table adds the limit
      page = assert(c:get(page.links.next, { limit = 10 }))
      pages, seen = pages + 1, seen + #page.data
    end
    assert.equal(page.meta.last_page, pages)
    assert.equal(page.meta.total, seen)
    assert.is_true(pages > 1)
  end)

  it("creates, reads, updates and deletes a contact", function()
    local made = assert(c:post("/contact", { first_name = "Ada", last_name = "Example",
      email = "ada@example.com" }))
    local id = made.data.id
    assert.equal("integer", math.type(id))
    assert.equal("Contact Updated", assert(c:put("/contact/" .. id, { last_name = "Sample" })).msg)
    assert.equal("Ada Sample", assert(c:get("/contact/" .. id)).data.full_name)
    assert.equal("Contact Deleted", assert(c:delete("/contact/" .. id)).msg)
    local gone, err = c:get("/contact/" .. id)
    assert.is_nil(gone)
    assert.equal("not_found", err.kind)
    assert.equal(404, err.status)
  end)

  it("turns 422 into validation with the field messages", function()
    local v, err = c:post("/contact", { first_name = "No Email" })
    assert.is_nil(v)
    assert.equal("validation", err.kind)
    assert.equal(422, err.status)
    assert.equal("The given data was invalid", err.message)
    assert.is_string(err.errors.email[1])
    assert.equal("taskip: validation: The given data was invalid (HTTP 422)", tostring(err))
  end)

  it("turns 409 into conflict", function()
    assert(c:post("/contact", { first_name = "A", email = "dup@example.com" }))
    local v, err = c:post("/contact", { first_name = "B", email = "dup@example.com" })
    assert.is_nil(v)
    assert.equal("conflict", err.kind)
    assert.equal(409, err.status)
  end)

  it("turns the documented 401 body into auth with its message", function()
    local bad = taskip.new { secret_key = "wrong-key-not-a-secret", base_url = m.url,
      cafile = m.cafile }
    local v, err = bad:get("/contact")
    assert.is_nil(v)
    assert.equal("auth", err.kind)
    assert.equal(401, err.status)
    assert.equal("Invalid or missing X-Secret-Key header", err.message)
    assert.equal("Unauthorized", err.body.error)
    assert.is_false(env.requests(m)[1].key_valid)
    bad:close()
  end)

  it("sends Accept, a taskip User-Agent, and Content-Type on bodies", function()
    assert(c:post("/contact", { first_name = "H", email = "h@example.com" }))
    local h = env.requests(m)[1].headers
    assert.equal("application/json", h["accept"])
    assert.equal("application/json", h["content-type"])
    assert.matches("^taskip/%S+ libcurl/", h["user-agent"])
  end)

  it("sends a DELETE body, which the API uses for bulk removals", function()
    local made = assert(c:post("/contact", { first_name = "D", email = "d@example.com" }))
    assert(c:delete("/contact/" .. made.data.id, { reason = "test" }))
    local last = env.requests(m)[2]
    assert.equal("DELETE", last.method)
    assert.is_true(last.body_bytes > 0)
  end)

  it("reports the server's rate-limit figures and the burst window", function()
    c = env.client(m, { burst_limit = 100 })
    assert(c:get("/contact"))
    assert(c:get("/contact"))
    local r = c:rate_limit()
    assert.equal(1000, r.limit)
    assert.equal(998, r.remaining)
    assert.is_true(r.reset > os.time() and r.reset <= os.time() + 3601)
    assert.same({ 100, 98 }, { r.burst.limit, r.burst.remaining })
    assert.equal(0, r.wait)
  end)

  it("closes with <close> and refuses calls afterwards", function()
    local kept
    do
      local d <close> = env.client(m)
      kept = d
      assert(d:get("/contact"))
    end
    assert.has_error(function() kept:get("/contact") end, nil)
    local ok, err = pcall(kept.get, kept, "/contact")
    assert.is_false(ok)
    assert.matches("client is closed", err)
  end)
end)
