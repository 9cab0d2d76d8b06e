-- The retry policy's backoff: exponential, capped, jittered.
local core = require "taskip.core"

describe("backoff", function()
  it("doubles per attempt, with the jitter inside the upper half", function()
    local seed = 12345
    for attempt = 1, 5 do
      local full = 0.5 * 2 ^ (attempt - 1)
      local d
      d, seed = core.backoff(0.5, attempt, seed)
      assert.is_true(d >= full / 2 and d <= full, attempt .. ": " .. d)
    end
  end)

  it("is capped at 30 s however many attempts", function()
    local d = core.backoff(0.5, 60, 7)
    assert.is_true(d >= 15 and d <= 30, d)
  end)

  it("spreads clients apart: different seeds, different waits", function()
    local seen = {}
    for seed = 1, 20 do seen[core.backoff(1, 3, seed * 7919)] = true end
    local distinct = 0
    for _ in pairs(seen) do distinct = distinct + 1 end
    assert.is_true(distinct > 10, distinct)
  end)
end)
