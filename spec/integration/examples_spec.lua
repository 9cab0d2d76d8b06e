-- The examples run as users would run them, against taskip-mock, and
-- the embedding example's frame-time bound.
local env = require "support.env"

-- taskip-run against emulator m (the key through the environment).
local function run(m, args)
  return env.run(string.format("TASKIP_SECRET_KEY=%s %s --base-url %s "
    .. "--cafile %s %s", env.KEY, env.bin("taskip-run"), m.url, m.cafile, args))
end

describe("examples", function()
  local m
  setup(function() m = env.mock() end)
  teardown(function() m:stop() end)
  before_each(function() m:reset() end)

  it("overdue_reminders sends every overdue, unpaid invoice to its client", function()
    local out, code = run(m, "examples/overdue_reminders.lua 2026-01-01")
    assert.equal(0, code, out)
    assert.matches("5 overdue invoices as of 2026%-01%-01: 5 reminded, 0 failed", out)
    assert.equal(5, env.count(m, "POST /invoice/sent/{id}"))
  end)

  it("overdue_reminders respects the date: nothing was due on 2024-01-01", function()
    local out, code = run(m, "examples/overdue_reminders.lua 2024-01-01")
    assert.equal(0, code, out)
    assert.matches("0 overdue invoices", out)
    assert.equal(0, env.count(m, "POST /invoice/sent/{id}"))
  end)

  it("overdue_reminders with --dry-run logs the sends and sends nothing", function()
    local out, code = run(m, "--dry-run examples/overdue_reminders.lua 2026-01-01")
    assert.equal(0, code, out)
    assert.matches("dry%-run: POST /invoice/sent/1", out)
    assert.equal(0, env.count(m, "POST /invoice/sent/{id}"))
  end)

  it("dedupe_contacts with --dry-run shows the bulk delete and deletes nothing", function()
    local out, code = run(m, "--dry-run examples/dedupe_contacts.lua")
    assert.equal(0, code, out)
    assert.matches('dry%-run: POST /contact/bulk%-delete{"contact_ids":%[26,27%]}', out)
    assert.matches("2 duplicate contacts would be removed %(dry run%)", out)
    assert.equal(0, env.count(m, "POST /contact/bulk-delete"))
  end)

  it("dedupe_contacts keeps the oldest of each address and removes the rest", function()
    local c = env.client(m)
    local before = assert(c.contact:list()).meta.total
    local out, code = run(m, "examples/dedupe_contacts.lua")
    assert.equal(0, code, out)
    assert.matches("2 duplicate contacts removed", out)
    assert.equal(before - 2, assert(c.contact:list()).meta.total)
    assert.is_table(assert(c.contact:get(1)).data)
    assert.equal("not_found", select(2, c.contact:get(26)).kind)
    out = run(m, "examples/dedupe_contacts.lua")
    assert.matches("no duplicates", out)
    c:close()
  end)

  it("weekly_status reports every project's board as Markdown", function()
    local out, code = run(m, "examples/weekly_status.lua")
    assert.equal(0, code, out)
    assert.matches("# Project status, week of %d+%-%d+%-%d+", out)
    assert.matches("## Website Mockup %(active%)", out)
    assert.matches("| Backlog | 2 | 0 |", out, 1, true)
    assert.matches("%d+ of %d+ tasks done %(%d+%%%)", out)
  end)
end)

describe("the embedding example", function()
  it("keeps step(0) within 1 ms of CPU while 100 requests are in flight, and never blocks",
    function()
      -- The example's own verdict (exit 1 otherwise): the worst step(0)
      -- of its median round used at most 1 ms of thread CPU time, and it
      -- saw all 100 requests in flight. The emulator's latency keeps them
      -- in flight for a long stretch of 1 ms frames even when a busy
      -- machine makes every frame last several (the 100 are started 16
      -- per step).
      local latency = 300
      local m = env.mock { latency_ms = latency }
      local out, code = env.run(string.format("TASKIP_SECRET_KEY=%s TASKIP_BASE_URL=%s "
        .. "TASKIP_CAFILE=%s TASKIP_LUA_DIR=lua %s", env.KEY, m.url, m.cafile,
        env.bin("embed-game-loop")))
      m:stop()
      assert.equal(0, code, out)
      local steps, seen, typical = out:match(
        "steps=(%d+) with 100 in flight in (%d+) of %d+ rounds: .*, worst of the median "
        .. "round (%d+) us")
      assert.is_truthy(steps, out)
      assert.is_true(tonumber(seen) >= 1 and tonumber(steps) > 10, out)
      assert.is_true(tonumber(typical) <= 1000, out)
      -- a step(0) that waited for the network would take on the order of
      -- the latency: the median one is far below it
      local median = tonumber(out:match("wall max %d+ us p99 %d+ us median (%d+) us"))
      assert.is_true(median < latency * 1000 / 10, out)
    end)
end)
