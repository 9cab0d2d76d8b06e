-- Rate limits against the emulator's budget: policies wait and error,
-- epoch and delta resets, 429 handling.
local env = require "support.env"
local core = require "taskip.core"

local function elapsed(f)
  local t = core.now()
  local a, b = f()
  return core.now() - t, a, b
end

-- The emulators' rate-limit window (s). A wait for its reset lasts at
-- most the window plus the client's 1 s margin after a whole-second
-- reset; the upper bounds below give a busy machine 3 s more, and still
-- fail a wait for the wrong thing (the 60 s fallback, the hour).
local WINDOW = 2
local LONGEST_WAIT = WINDOW + 1 + 3

for _, format in ipairs { "epoch", "delta" } do
  describe("rate limit with " .. format .. " resets", function()
    local m
    before_each(function()
      m = env.mock { limit = 3, window = WINDOW, reset_format = format }
    end)
    after_each(function() m:stop() end)

    it("policy error: fails with rate_limited and retry_after, sending nothing", function()
      local c = env.client(m, { rate_limit = "error" })
      for _ = 1, 3 do assert(c:get("/contact")) end
      local v, err = c:get("/contact")
      assert.is_nil(v)
      assert.equal("rate_limited", err.kind)
      assert.is_true(err.retry_after > 0 and err.retry_after <= 4,
        "retry_after " .. err.retry_after)
      assert.equal(3, env.count(m, "GET /contact"))
      c:close()
    end)

    it("policy wait: sleeps until the reset, then sends", function()
      local c = env.client(m)
      for _ = 1, 3 do assert(c:get("/contact")) end
      local took, v = elapsed(function() return c:get("/contact") end)
      assert.is_table(v)
      assert.is_true(took >= 0.5 and took <= LONGEST_WAIT, "took " .. took)
      assert.equal(4, env.count(m, "GET /contact"))
      assert.equal(0, m:stats().counts["429"] or 0)
      c:close()
    end)

    it("policy wait: gives up with rate_limited when the wait exceeds max_wait", function()
      local c = env.client(m, { max_wait = 0.1 })
      for _ = 1, 3 do assert(c:get("/contact")) end
      local took, v, err = elapsed(function() return c:get("/contact") end)
      assert.is_nil(v)
      assert.equal("rate_limited", err.kind)
      assert.equal(3, env.count(m, "GET /contact"))      -- nothing sent
      -- it did not wait: waiting would have taken retry_after
      assert.is_true(took < err.retry_after, "took " .. took .. ", retry_after "
        .. err.retry_after)
      c:close()
    end)
  end)
end

describe("429 from the server", function()
  local m
  -- a short window keeps the emulator's Retry-After and reset short
  setup(function() m = env.mock { window = WINDOW } end)
  teardown(function() m:stop() end)
  before_each(function() m:reset() end)

  it("a GET waits Retry-After and succeeds", function()
    local c = env.client(m)
    m:faults { status429 = 1 }
    local took, v = elapsed(function() return c:get("/contact") end)
    assert.is_table(v)
    assert.equal(2, env.count(m, "GET /contact"))
    assert.is_true(took >= 0.5 and took <= LONGEST_WAIT, "took " .. took)
    c:close()
  end)

  it("a POST is not re-sent: rate_limited with retry_after", function()
    local c = env.client(m)
    m:faults { status429 = 1 }
    local v, err = c:post("/contact", { first_name = "R", email = "r@example.com" })
    assert.is_nil(v)
    assert.equal("rate_limited", err.kind)
    assert.equal(429, err.status)
    assert.is_number(err.retry_after)
    assert.equal(1, env.count(m, "POST /contact"))
    c:close()
  end)

  it("without Retry-After, the wait comes from the reset header", function()
    local c = env.client(m, { rate_limit = "error" })
    m:faults { status429 = 1, retry_after = false }
    local v, err = c:get("/contact")
    assert.is_nil(v)
    assert.equal("rate_limited", err.kind)
    -- the reset is at most 2 s away: not the 60 s fallback
    assert.is_true(err.retry_after > 0 and err.retry_after < 4,
      "retry_after " .. err.retry_after)
    c:close()
  end)
end)
