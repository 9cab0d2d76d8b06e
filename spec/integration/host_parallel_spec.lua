-- taskip.parallel and the scheduler: calls overlap on curl multi, so a
-- bulk job does not pay one round trip per call; step() returns within
-- its timeout while a script computes.
local env = require "support.env"
local q, write, sh = env.quote, env.write, env.sh

local RUN, DRIVER = env.bin("taskip-run"), env.bin("host-driver")




local function now()
  local p = io.popen("date +%s%N")
  local t = tonumber(p:read("l")) / 1e9
  p:close()
  return t
end

describe("the host scheduler", function()
  local dir

  lazy_setup(function()
    dir = env.tmpdir()
  end)

  lazy_teardown(function()
    os.execute("rm -rf " .. q(dir))
  end)

  it("500 calls in taskip.parallel take far fewer round trips than 500", function()
    -- the emulator holds every answer this long: one call after another
    -- cannot take less than 500 * latency, however fast the machine
    local latency = 0.05
    local m = env.mock { latency_ms = latency * 1000, limit = 5000 }
    write(dir .. "/bulk.lua", [[
      local fns = {}
      for i = 1, 500 do
        fns[i] = function() return assert(taskip:get("/contact/" .. (i % 20 + 1))).data.id end
      end
      local ids = { taskip.parallel(fns) }
      assert(#ids == 500)
      for i = 1, 500 do assert(ids[i] == i % 20 + 1, "order") end
      print("done", #ids)
    ]])
    local t0 = now()
    local out, code = sh("TASKIP_SECRET_KEY=" .. q(env.KEY) .. " " .. RUN .. " --burst-limit 5000"
      .. " --base-url " .. q(m.url) .. " --cafile " .. q(m.cafile) .. " " .. q(dir .. "/bulk.lua"))
    local took = now() - t0
    assert.are.equal(0, code, out)
    assert.truthy(out:find("done\t500", 1, true), out)
    assert.are.equal(500, env.count(m, "GET /contact/{id}"))
    -- the calls overlapped: several connections were busy at once (one
    -- after another, one kept-alive connection carries them all) ...
    local connections = m:stats().connections
    assert.is_true(connections >= 4, connections .. " connections")
    -- ... and at least 5 were in flight on average: one after another
    -- takes at least 500 * 50 ms = 25 s, here 5 s leaves seconds for a
    -- busy machine (about 32 round trips of 50 ms on 16 connections)
    assert.is_true(took < 500 * latency / 5, "took " .. took .. " s")
    m:stop()
  end)

  it("taskip.parallel raises the first error after all functions finished", function()
    local m = env.mock()
    write(dir .. "/perr.lua", [[
      local done = {}
      local ok, err = pcall(taskip.parallel, {
        function() sleep(0.05) done[1] = true end,
        function() error("second failed") end,
        function() error("third failed") end,
        function() done[4] = assert(taskip:get("/contact/1")) end,
      })
      print(ok, err:match("second failed") ~= nil, done[1], done[4] ~= nil)
      print(select("#", taskip.parallel {}))
    ]])
    local out, code = sh("TASKIP_SECRET_KEY=" .. q(env.KEY) .. " " .. RUN .. " --base-url "
      .. q(m.url) .. " --cafile " .. q(m.cafile) .. " " .. q(dir .. "/perr.lua"))
    assert.are.equal(0, code, out)
    assert.truthy(out:find("false\ttrue\ttrue\ttrue\n0\n", 1, true), out)
    m:stop()
  end)

  it("API calls work inside the script's own coroutines", function()
    local m = env.mock()
    write(dir .. "/co.lua", [[
      local gen = coroutine.wrap(function()
        for i = 1, 3 do coroutine.yield(assert(taskip:get("/contact/" .. i)).data.id) end
      end)
      print(gen(), gen(), gen())
      local co = coroutine.create(function(a) local b = coroutine.yield(a + 1) return b * 2 end)
      print(coroutine.resume(co, 1))
      print(coroutine.resume(co, 5))
      print(coroutine.resume(co))
      local t = { 3, 2, 1 }
      table.sort(t, function(a, b)     -- table.sort is Lua code here: it can wait
        taskip:get("/contact")
        return a < b
      end)
      print(table.concat(t, ","))
      local ok, err = pcall(string.gsub, "ab", "%w", function()
        taskip:get("/contact")
      end)
      print(ok, err:find("cannot wait here", 1, true) ~= nil)
    ]])
    local out, code = sh("TASKIP_SECRET_KEY=" .. q(env.KEY) .. " " .. RUN .. " --base-url "
      .. q(m.url) .. " --cafile " .. q(m.cafile) .. " " .. q(dir .. "/co.lua"))
    assert.are.equal(0, code, out)
    assert.truthy(out:find("1\t2\t3\ntrue\t2\ntrue\t10\nfalse\tcannot resume dead coroutine\n"
      .. "1,2,3\nfalse\ttrue\n", 1, true), out)
    m:stop()
  end)

  -- host-driver's last line: step() calls, the longest in wall time, the
  -- most thread CPU time one took, and the median wall time (ms). On a
  -- busy machine a step's wall time also counts time the thread was not
  -- running, so the bound on each step is on its CPU time; the wall
  -- time is bounded for the median step, with the 50 ms of overrun the
  -- host promises an embedder.
  local OVERRUN = 50
  local function steps_of(out)
    local n, wall, cpu, median = out:match("steps\t(%d+)\t([%d.]+)\t([%d.]+)\t([%d.]+)")
    assert.truthy(n, out)
    return tonumber(n), tonumber(wall), tonumber(cpu), tonumber(median)
  end

  it("step() returns within its timeout while scripts spin (C API)", function()
    write(dir .. "/spin.lua", "while true do end")
    write(dir .. "/count.lua", "local n = 0 for i = 1, 3e6 do n = n + i end print(n)")
    -- the spinners end at an instruction limit (about 0.2 s of CPU each)
    -- rather than a time limit: count.lua needs a quarter of it, so it
    -- finishes however little CPU a busy machine gives the host
    local base = DRIVER .. " --lua-dir lua --base-url https://127.0.0.1:9/api "
      .. "--max-instructions 50000000 "
    local out = sh(base .. "--step-ms 5 " .. q(dir .. "/spin.lua") .. " " .. q(dir .. "/spin.lua")
      .. " " .. q(dir .. "/count.lua"))
    assert.truthy(out:find("out\t3\t4500001500000", 1, true), out)
    assert.truthy(out:find("done\t1\t3\tinstruction limit", 1, true), out)
    local steps, worst, cpu, median = steps_of(out)
    -- a spinning script would hold a blocking host for its whole run
    -- (0.2 s and more of CPU in one step)
    assert.is_true(cpu < 5 + 20, "most CPU in one step(5) " .. cpu .. " ms (worst wall "
      .. worst .. " ms)")
    assert.is_true(median < 5 + OVERRUN, "median step(5) " .. median .. " ms")
    -- the spinners' fixed work, at most about 5 ms of it per step
    assert.is_true(steps > 20, out)
    -- step(0), as a game loop calls it: API calls still progress next to
    -- a spinner. The spinner ends by itself after about 0.6 s of CPU and
    -- then says so; the benign script's "ok" comes before that, however
    -- busy the machine (the time limit is only a backstop).
    write(dir .. "/spin_n.lua", "for _ = 1, 2e8 do end print('spun')")
    local m = env.mock()
    out = sh(DRIVER .. " --lua-dir lua --base-url " .. q(m.url) .. " --cafile " .. q(m.cafile)
      .. " --key " .. q(env.KEY) .. " --timeout " .. 60 * env.SLOW .. " --step-ms 0 "
      .. q(dir .. "/spin_n.lua") .. " spec/attacks/z_benign.lua")
    m:stop()
    assert.truthy(out:find("out\t2\tok\nout\t1\tspun\ndone\t1\t0\t\ndone\t2\t0\t\n",
      1, true), out)
    steps, worst, cpu, median = steps_of(out)
    assert.is_true(cpu < 20, "most CPU in one step(0) " .. cpu .. " ms (worst wall "
      .. worst .. " ms)")
    assert.is_true(median < OVERRUN, "median step(0) " .. median .. " ms")
    assert.is_true(steps > 100, out)
  end)
end)
