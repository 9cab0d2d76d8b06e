-- One nginx worker, many API calls in flight: slow calls and rate-limit
-- waits yield to other requests (cosockets, ngx.sleep), concurrent
-- calls overlap, and connections come back from the keepalive pool.
-- Connections are counted by the emulator; times by nginx and curl.
local env = require "support.env"
local nginx = require "support.nginx"
local cjson = require "cjson"
local core = require "taskip.core"

local by_name = nginx.by_name

describe("taskip in one nginx worker", function()
  local m, tight, srv, bundle

  local function run(name, query) return srv:run(name, query) end

  setup(function()
    m = env.mock()
    tight = env.mock { limit = 1, window = 2 }   -- the 2nd call waits for the reset
    bundle = os.tmpname()
    env.write(bundle, env.read(m.cafile) .. env.read(tight.cafile))
    srv = nginx.start {
      trusted = bundle,
      env = { TASKIP_SECRET_KEY = env.KEY, TASKIP_BASE_URL = by_name(m),
        TEST_TIGHT_URL = by_name(tight) },
      server = [[location /run/ { content_by_lua_block { require("support.ngx_app").run() } }]],
    }
  end)

  teardown(function()
    if srv then srv:stop() end
    m:stop()
    tight:stop()
    os.remove(bundle)
  end)

  before_each(function() m:reset() end)

  it("reuses one pooled connection across nginx requests", function()
    for _ = 1, 6 do assert.is_true(run("get").ok) end
    local stats = m:stats()
    assert.equal(6, stats.total_requests)
    assert.equal(1, stats.connections)
  end)

  it("answers a request without I/O in under 100 ms while a 1.5 s call and a rate-limit wait run",
    function()
      m:faults { slow_ms = 1500 }
      local slow_done = srv:spawn("/run/slow")
      local wait_done = srv:spawn("/run/wait")
      -- Pings one after another from now on, for a while: when they fall
      -- (each answer says when nginx ran it) depends on how busy the
      -- machine is, so they are sorted afterwards by what was in
      -- progress then. A worker held by the call or the wait would
      -- answer none while they last.
      local pings = {}
      local t0 = core.now()
      while #pings < 5 or core.now() - t0 < 1.2 do
        local body, status, secs = srv:get("/run/ping")
        assert.equal(200, status)
        pings[#pings + 1] = { at = cjson.decode(body).at, secs = secs }
        if #pings >= 200 then break end
      end
      local slow = cjson.decode((slow_done()))
      local wait = cjson.decode((wait_done()))
      assert.is_true(slow.ok)
      assert.is_true(wait.ok, wait.err and wait.err.text)
      local slow_s, wait_s = slow.finished - slow.started, wait.finished - wait.started
      assert.is_true(slow_s >= 1.5, "the slow call took " .. slow_s .. " s")
      assert.is_true(wait_s >= 0.5, "the rate-limit wait took " .. wait_s .. " s")
      local during = {}
      for _, p in ipairs(pings) do
        if p.at > slow.started and p.at < slow.finished and p.at > wait.started
          and p.at < wait.finished then
          during[#during + 1] = p.secs
        end
      end
      -- answered while both were in progress ...
      assert.is_true(#during >= 3, #during .. " of " .. #pings .. " pings during both")
      -- ... in under 100 ms: the median one (one ping can lose the CPU
      -- to whatever else runs on the machine; a blocked worker delays all)
      table.sort(during)
      local median = during[(#during + 1) // 2]
      assert.is_true(median < 0.1, "the median ping took " .. median .. " s")
      print(string.format("\n  ngx: %d pings during a %.2f s call and a %.2f s wait: "
        .. "%.1f-%.1f ms, median %.1f ms", #during, slow_s, wait_s, during[1] * 1000,
        during[#during] * 1000, median * 1000))
    end)

  it("overlaps 5 slow calls of one request, then reuses their 5 pooled connections", function()
    m:faults { slow_ms = 1000 }
    local r = run("overlap", "n=5")
    local took = r.finished - r.started
    assert.equal(5, r.ok)
    -- five connections: each call found the others' busy ...
    assert.equal(5, m:stats().connections)
    -- ... and the calls overlapped: one after another takes at least 5 s
    -- (the emulator holds each answer 1 s), two at a time 3 s; 3 s
    -- leaves a busy machine 2 s for connecting
    assert.is_true(took >= 1.0 and took < 3, "5 calls of 1 s took " .. took .. " s")
    r = run("overlap", "n=5")
    assert.equal(5, r.ok)
    local stats = m:stats()
    assert.equal(10, stats.total_requests)
    assert.equal(5, stats.connections)
    print(string.format("\n  ngx: 5 calls of 1 s in %.2f s; 10 calls on %d connections",
      took, stats.connections))
  end)
end)
