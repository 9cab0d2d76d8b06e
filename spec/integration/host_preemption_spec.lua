-- The host's time guarantees that do not rest on the count hook alone:
-- taskip-run's watchdog, the hold limit (Lua code where it cannot yield
-- and library loops), and time spent waiting for the thread not charged
-- to a script. The attacks themselves (spec/attacks/f3x, f4x) run in
-- host_attacks_spec.lua.
local env = require "support.env"
local q, write = env.quote, env.write

local BUILD = os.getenv("TASKIP_BUILD") or "build"
local RUN, DRIVER = env.bin("taskip-run"), env.bin("host-driver")
local OFFLINE = " --base-url https://127.0.0.1:9/api "

local sh = env.sh

-- A gsub callback that runs ~2e8 instructions where it cannot yield.
local HOG = 'string.gsub(("x"):rep(1e6), "x", function() for _ = 1, 200 do end end)\nprint("done")'

describe("host preemption", function()
  local dir
  lazy_setup(function()
    dir = env.tmpdir()
    write(dir .. "/hog.lua", HOG)
    write(dir .. "/long_hog.lua", HOG:gsub("200", "5000"))   -- minutes of work
    write(dir .. "/sum.lua", "local n = 0 for i = 1, 1e5 do n = n + i end print(n)")
  end)
  lazy_teardown(function()
    if dir then os.execute("rm -rf " .. q(dir)) end
  end)

  it("the watchdog ends a taskip-run whose script is stuck in one C call, exit 3, output kept",
    function()
      local out = sh(BUILD .. "/watchdog-test")
      assert.truthy(out:find("output before the end\n", 1, true), out)
      assert.truthy(out:find("taskip-run: stuck.lua: time limit (0.2 s) exceeded; the script "
        .. "did not stop, so the process was ended\n", 1, true), out)
      local code, took = out:match("stuck: exit (%-?%d+) after ([%d.]+) s")
      assert.are.equal("3", code, out)
      -- it fires at the limit + 0.5 s: well before the 10 s the test waits
      assert.is_true(tonumber(took) >= 0.7 and tonumber(took) < 5, out)
      assert.truthy(out:find("dismissed: exit 0", 1, true), out)
    end)

  it("a script holding the thread in a gsub callback is stopped (exit 3) with the reason",
    function()
      local out, code = sh("TASKIP_SECRET_KEY=" .. q(env.KEY) .. " " .. RUN .. OFFLINE
        .. q(dir .. "/hog.lua"))
      assert.are.equal(3, code, out)
      assert.truthy(out:find("held the thread for more than 40 ms without yielding", 1, true), out)
      assert.falsy(out:find("done", 1, true), out)
    end)

  it("--max-hold 0 lets the same callback finish: the limit is the hold limit", function()
    local out, code = sh("TASKIP_SECRET_KEY=" .. q(env.KEY) .. " " .. RUN .. OFFLINE
      .. "--max-hold 0 " .. q(dir .. "/hog.lua"))
    assert.are.equal(0, code, out)
    assert.truthy(out:find("done", 1, true), out)
  end)

  it("a neighbour that waited for the thread is not charged for it (C API)", function()
    -- the hog may hold the thread (hold limit off) until its own 1 s limit;
    -- its neighbour, ready all that time, then still runs to its end
    local out = sh(DRIVER .. " --lua-dir lua" .. OFFLINE .. "--key k --timeout 1 --max-hold 0 "
      .. q(dir .. "/long_hog.lua") .. " " .. q(dir .. "/sum.lua"))
    assert.truthy(out:find("done\t1\t3\ttime limit (1 s) exceeded", 1, true), out)
    assert.truthy(out:find("out\t2\t5000050000", 1, true), out)
    assert.truthy(out:find("done\t2\t0\t", 1, true), out)
  end)

  it("with the default hold limit, the hog is stopped and no step runs 50 ms of CPU over",
    function()
      local out = sh(DRIVER .. " --lua-dir lua" .. OFFLINE .. "--key k --timeout 5 --step-ms 10 "
        .. q(dir .. "/hog.lua") .. " " .. q(dir .. "/sum.lua"))
      assert.truthy(out:find("done\t1\t3\theld the thread", 1, true), out)
      assert.truthy(out:find("done\t2\t0\t", 1, true), out)
      local cpu = tonumber(out:match("steps\t%d+\t[%d.]+\t([%d.]+)"))
      assert.is_true(cpu ~= nil and cpu <= 10 + 50 * env.SLOW, out)
    end)
end)
