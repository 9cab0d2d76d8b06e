-- The rate-limit tracker of the C core, driven with explicit clocks.
local core = require "taskip.core"

local T0 = 1700000000          -- an epoch second, for readable sums

describe("rate-limit tracker", function()
  it("counts requests when sent: the 101st in a minute waits for the burst window", function()
    local t = core.tracker(1000, 100)
    for _ = 1, 100 do
      assert.equal(0, t:wait(T0))
      t:sent(T0)
    end
    local w = t:wait(T0 + 10)
    assert.is_true(w > 50 and w <= 51, "waited " .. w)
    assert.equal(0, t:wait(T0 + 61))     -- a second after the reset
  end)

  it("holds the documented 1000/hour budget until the server speaks", function()
    local t = core.tracker(1000, 100000)
    for _ = 1, 1000 do t:sent(T0) end
    local w = t:wait(T0 + 100)
    assert.is_true(w > 3400 and w <= 3501, "waited " .. w)
  end)

  it("lets the server's figures win over the documented hour budget", function()
    local t = core.tracker(1000, 100000)
    t:observe(T0, { limit = 5000, remaining = 4000, reset = T0 + 1800 })
    for _ = 1, 1500 do t:sent(T0) end
    assert.equal(0, t:wait(T0))
    local s = t:snapshot(T0)
    assert.same({ 5000, 2500 }, { s.limit, s.remaining })
  end)

  it("keeps the minimum within a window, so a late answer cannot raise the budget", function()
    local t = core.tracker(1000, 100000)
    t:observe(T0, { limit = 60, remaining = 10, reset = T0 + 60 })
    for _ = 1, 3 do t:sent(T0) end                          -- 7 left
    t:observe(T0, { limit = 60, remaining = 9, reset = T0 + 60 })  -- stale
    assert.equal(7, t:snapshot(T0).remaining)
  end)

  it("takes a new window's figure as it is", function()
    local t = core.tracker(1000, 100000)
    t:observe(T0, { limit = 60, remaining = 0, reset = T0 + 60 })
    t:observe(T0 + 61, { limit = 60, remaining = 59, reset = T0 + 121 })
    assert.equal(59, t:snapshot(T0 + 61).remaining)
  end)

  it("reads an epoch reset through the Date header's clock skew", function()
    local t = core.tracker(1000, 100000)
    local server_now = T0 + 100                   -- server clock 100 s ahead
    t:observe(T0, { limit = 5, remaining = 0, reset = server_now + 30,
      date = server_now })
    local w = t:wait(T0)
    assert.is_true(math.abs(w - 31) < 0.01, "waited " .. w)
  end)

  it("reads a small reset as seconds from now", function()
    local t = core.tracker(1000, 100000)
    t:observe(T0, { limit = 5, remaining = 0, reset = 30 })
    assert.is_true(math.abs(t:wait(T0) - 31) < 0.01)
  end)

  it("clamps a reset beyond an hour to the window", function()
    local t = core.tracker(1000, 100000)
    t:observe(T0, { limit = 5, remaining = 0, reset = T0 + 10 ^ 6 })
    assert.is_true(t:wait(T0) <= 3601)
  end)

  it("on 429 waits for Retry-After, else the reset, else 60 s", function()
    local t = core.tracker()
    assert.equal(7, t:observe(T0, { status = 429, retry_after = 7 }))
    assert.is_true(math.abs(t:wait(T0) - 7) < 0.01)
    local u = core.tracker()
    assert.is_true(math.abs(u:observe(T0, { status = 429, reset = 20 }) - 21) < 0.01)
    local v = core.tracker()
    assert.equal(60, v:observe(T0, { status = 429 }))
    assert.is_true(math.abs(v:wait(T0) - 60) < 0.01)
  end)

  it("reports the budget and the burst window apart", function()
    local t = core.tracker(1000, 100)
    for _ = 1, 98 do t:sent(T0) end
    local s = t:snapshot(T0 + 1)
    assert.same({ 1000, 902, T0 + 3600 }, { s.limit, s.remaining, s.reset })
    assert.same({ 100, 2, T0 + 60 }, { s.burst.limit, s.burst.remaining, s.burst.reset })
  end)

  it("reports a lapsed window as full again", function()
    local t = core.tracker(1000, 100)
    for _ = 1, 98 do t:sent(T0) end
    local s = t:snapshot(T0 + 61)
    assert.same({ 100, 100 }, { s.burst.limit, s.burst.remaining })
  end)
end)
