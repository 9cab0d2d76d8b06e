-- Many processes, one key: shared rate stores (file:PATH, redis://...)
-- against the emulator's budget of 12 requests per 6 s. Fleets of Lua
-- processes and of taskip-run hosts each make their calls; with a shared
-- store the emulator answers no 429 at all, without one it does (so the
-- store is what keeps the fleet inside the budget). Also: a process
-- killed holding reservations, Redis stopped mid-run, the store holding
-- no form of the key, and the options.
local env = require "support.env"
local redis = require "support.redis"
local core = require "taskip.core"
local taskip = require "taskip"

local q = env.quote
local LIMIT, WINDOW = 12, 6
local RUN = env.bin("taskip-run")
local HAVE_REDIS = redis.available()
-- children find the modules under test as this process does
local LUA_ENV = string.format("export LUA_PATH=%s LUA_CPATH=%s",
  q(package.path .. ";;"), q(package.cpath .. ";;"))

-- A Lua process of the fleet: `calls` GETs, one line per call.
local CHILD = [[
local taskip = require "taskip"
local core = require "taskip.core"
local store = os.getenv("RS_STORE")
local c = taskip.new {
  rate_store = store ~= "" and store or nil,
  rate_fleet = tonumber(os.getenv("RS_FLEET") or "4"),
  retry_backoff = 0.01, max_wait = 120,
}
for i = 1, tonumber(os.getenv("RS_CALLS")) do
  local v, err = c:get("/contact")
  io.write(string.format("call %d %s %.3f\n", i, v and "ok" or err.kind,
    core.now()))
  io.flush()
end
c:close()
]]

-- The same as a taskip-run script.
local SCRIPT = [[
for i = 1, tonumber(arg[1]) do
  local v, err = taskip:get("/contact")
  print(string.format("call %d %s", i, v and "ok" or err.kind))
end
]]

local statuses = env.statuses

-- Runs n processes at once (kind "lua" or "run") against m; returns
-- their outputs and stderr texts, and how long the fleet took.
local function fleet(dir, m, kind, n, calls, store, fleet_size)
  local file = dir .. (kind == "lua" and "/child.lua" or "/script.lua")
  env.write(file, kind == "lua" and CHILD or SCRIPT)
  local each
  if kind == "lua" then
    each = string.format("lua5.4 %s", q(file))
  else
    each = string.format("%s %s %s %s", RUN,
      store and ("--rate-store " .. q(store)) or "",
      fleet_size and ("--rate-fleet " .. fleet_size) or "", q(file) .. " " .. calls)
  end
  local cmd = string.format("%s; export TASKIP_SECRET_KEY=%s TASKIP_BASE_URL=%s "
    .. "TASKIP_CAFILE=%s RS_STORE=%s RS_CALLS=%d RS_FLEET=%d; "
    .. "for i in $(seq %d); do %s >%s/out.$i 2>%s/err.$i & done; wait",
    LUA_ENV, q(env.KEY), q(m.url), q(m.cafile), q(store or ""), calls,
    fleet_size or 4, n, each, q(dir), q(dir))
  local t = core.now()
  env.sh(cmd)
  local took = core.now() - t
  local outs, errs = {}, {}
  for i = 1, n do
    outs[i] = env.read(dir .. "/out." .. i) or ""
    errs[i] = env.read(dir .. "/err." .. i) or ""
  end
  return outs, errs, took
end

local function count_ok(outs)
  local ok = 0
  for _, o in ipairs(outs) do
    for _ in o:gmatch("call %d+ ok") do ok = ok + 1 end
  end
  return ok
end

-- Every spelling of the key a store could hold by mistake.
local function key_forms(key)
  local b64chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
  local function b64(s)
    return ((s:gsub(".", function(x)
      local r, b = "", x:byte()
      for i = 8, 1, -1 do r = r .. (b % 2 ^ i - b % 2 ^ (i - 1) > 0 and "1" or "0") end
      return r
    end) .. "0000"):gsub("%d%d%d?%d?%d?%d?", function(x)
      if #x < 6 then return "" end
      local c = 0
      for i = 1, 6 do c = c + (x:sub(i, i) == "1" and 2 ^ (6 - i) or 0) end
      return b64chars:sub(c + 1, c + 1)
    end) .. ({ "", "==", "=" })[#s % 3 + 1])
  end
  local hex = key:gsub(".", function(c) return string.format("%02x", c:byte()) end)
  return {
    raw = key, base64 = b64(key), hex = hex, HEX = hex:upper(),
    url = core.escape(key), reversed = key:reverse(),
  }
end

local function assert_no_key(text, where)
  for form, s in pairs(key_forms(env.KEY)) do
    assert.is_nil(text:find(s, 1, true), "the key (" .. form .. ") is in " .. where)
  end
end

describe("rate stores: options", function()
  it("refuses a rate_store that is not a store URL, naming rate_store", function()
    for _, bad in ipairs { "bogus", "file:", "redis://", "redis://h", "redis://h:0",
      "redis://h:99999", "redis://u:p@h:1", "http://h:1" } do
      local ok, err = pcall(taskip.new, { secret_key = env.KEY, rate_store = bad })
      assert.is_false(ok)
      assert.matches("rate_store", err)
      assert.is_nil(err:find(env.KEY, 1, true))
    end
    local ok, err = pcall(taskip.new, { secret_key = env.KEY, rate_store = 6379 })
    assert.is_false(ok)
    assert.matches("rate_store", err)
    ok, err = pcall(taskip.new, { secret_key = env.KEY, rate_store = "file:/tmp/x",
      rate_fleet = 0 })
    assert.is_false(ok)
    assert.matches("rate_fleet", err)
    ok, err = pcall(taskip.new, { secret_key = env.KEY, transport = "ngx",
      rate_store = "file:/tmp/x" })
    assert.is_false(ok)
    assert.matches("rate_store", err)
  end)

  it("taskip-run refuses a bad --rate-store with a usage error", function()
    local out, code = env.sh(RUN .. " --rate-store nowhere x.lua")
    assert.equal(2, code)
    assert.matches("%-%-rate%-store", out)
    out, code = env.sh(RUN .. " --rate-fleet 0 x.lua")
    assert.equal(2, code)
    assert.matches("%-%-rate%-fleet", out)
  end)

  it("gives two keys two records in one file", function()
    local dir = env.tmpdir()
    local m = env.mock { limit = LIMIT, window = WINDOW }
    local path = dir .. "/rate"
    local a = env.client(m, { rate_store = "file:" .. path })
    local b = env.client(m, { secret_key = "another-key-not-a-secret",
      rate_store = "file:" .. path })
    assert(a:get("/contact"))
    b:get("/contact")                      -- 401: still a response
    a:close()
    b:close()
    local text = env.read(path)
    local fps = {}
    for fp in text:gmatch("(%x+) taskip%-rate 1 ") do fps[#fps + 1] = fp end
    assert.equal(2, #fps)
    assert.are_not.equal(fps[1], fps[2])
    assert.equal(64, #fps[1])
    m:stop()
    env.sh("rm -rf " .. q(dir))
  end)
end)

-- Calls per taskip-run host: four windows' worth for three hosts, so that
-- without a store they race at several resets (one or two races
-- sometimes end without a 429).
local RUN_CALLS = 16

describe("rate stores: a fleet of processes on one key", function()
  local dir, m, r
  before_each(function()
    dir = env.tmpdir()
    m = env.mock { limit = LIMIT, window = WINDOW }
  end)
  after_each(function()
    m:stop()
    if r then r:stop() r = nil end
    env.sh("rm -rf " .. q(dir))
  end)

  local function check_fleet(kind, n, calls, store)
    local outs, errs, took = fleet(dir, m, kind, n, calls, store)
    local s = statuses(m)
    assert.equal(n * calls, count_ok(outs), table.concat(errs, "\n"))
    return s[429] or 0, s[200] or 0, took
  end

  it("5 Lua processes without a store overshoot the budget (429s)", function()
    local n429 = check_fleet("lua", 5, 10, nil)
    assert.is_true(n429 > 0, "expected the emulator to answer 429")
    print(string.format("\n  5 Lua processes, no store: %d x 429", n429))
  end)

  it("5 Lua processes through file: get no 429", function()
    local path = dir .. "/rate"
    local n429, n200, took = check_fleet("lua", 5, 10, "file:" .. path)
    assert.equal(0, n429)
    assert.equal(50, n200)
    -- 50 calls at 12 per window: five windows at least, not many more
    assert.is_true(took > 3 * WINDOW and took < 7 * (WINDOW + env.SLOW), "took " .. took)
    assert_no_key(env.read(path), "the state file")
    print(string.format("\n  5 Lua processes, file store: 0 x 429, %.1f s", took))
  end)

  it("3 taskip-run hosts without a store overshoot the budget (429s)", function()
    local n429 = check_fleet("run", 3, RUN_CALLS, nil)
    assert.is_true(n429 > 0, "expected the emulator to answer 429")
    print(string.format("\n  3 taskip-run, no store: %d x 429", n429))
  end)

  it("3 taskip-run hosts through file: get no 429", function()
    local path = dir .. "/rate"
    local n429, n200 = check_fleet("run", 3, RUN_CALLS, "file:" .. path)
    assert.equal(0, n429)
    assert.equal(3 * RUN_CALLS, n200)
    assert_no_key(env.read(path), "the state file")
  end)

  local with_redis = HAVE_REDIS and it or pending

  -- Keys, and the value of each, as redis-cli shows them.
  local function redis_dump(srv)
    local text = {}
    for key in srv:cli("--scan"):gmatch("[^\n]+") do
      text[#text + 1] = key
      text[#text + 1] = srv:cli("get " .. q(key))
    end
    return table.concat(text, "\n")
  end

  with_redis("5 Lua processes through redis:// get no 429", function()
    r = redis.start()
    local n429, n200 = check_fleet("lua", 5, 10, r.url)
    assert.equal(0, n429)
    assert.equal(50, n200)
    local dump = redis_dump(r)
    assert.matches("taskip:rate:%x+", dump)
    assert_no_key(dump, "Redis")
  end)

  with_redis("3 taskip-run hosts through redis:// get no 429", function()
    r = redis.start()
    local n429, n200 = check_fleet("run", 3, RUN_CALLS, r.url)
    assert.equal(0, n429)
    assert.equal(3 * RUN_CALLS, n200)
    assert_no_key(redis_dump(r), "Redis")
  end)
end)

describe("rate stores: a process killed holding reservations", function()
  it("shrinks the budget for one window at most", function()
    local dir = env.tmpdir()
    local path = dir .. "/rate"
    local m = env.mock { limit = LIMIT, window = WINDOW }
    -- a server that answers late: the killed process's requests hang there
    local slow = env.mock { latency_ms = 20000 }
    local c = env.client(m, { rate_store = "file:" .. path, max_wait = 60 })
    assert(c:get("/contact"))                       -- the window is known: 11 left
    env.write(dir .. "/hold.lua", [[
      local fs = {}
      for i = 1, 11 do fs[i] = function() return taskip:get("/contact") end end
      taskip.parallel(fs)
    ]])
    local pid = env.sh(string.format("TASKIP_SECRET_KEY=%s %s --base-url %s --cafile %s "
      .. "--rate-store %s %s >/dev/null 2>&1 & echo $!", q(env.KEY), RUN, q(slow.url),
      q(slow.cafile), q("file:" .. path), q(dir .. "/hold.lua"))):match("%d+")
    -- wait until it holds the rest of the window
    local held = false
    for _ = 1, 100 do
      local line = env.read(path) or ""
      local srv = line:match("taskip%-rate 1 %S+ %S+ %S+ %S+ %S+ %S+ %S+ %S+ (%d+ %d+)")
      if srv == "12 0" then held = true break end
      env.sh("sleep 0.05")
    end
    env.sh("kill -9 " .. pid)
    assert.is_true(held, "the process never held the window: " .. tostring(env.read(path)))
    local killed = core.now()
    -- the next window's whole budget is there: 12 calls, one wait
    for i = 1, LIMIT do
      local v, err = c:get("/contact")
      assert(v, "call " .. i .. ": " .. tostring(err))
    end
    local took = core.now() - killed
    assert.is_true(took < WINDOW + 2.5 * env.SLOW, "took " .. took)
    assert.is_true(took > 1, "no wait: the reservations did not count")
    assert.equal(0, statuses(m)[429] or 0)
    c:close()
    slow:stop()
    m:stop()
    env.sh("rm -rf " .. q(dir))
  end)
end)

describe("rate stores: Redis stopped mid-run", function()
  local with_redis = HAVE_REDIS and it or pending
  with_redis("each process warns once, keeps its share and finishes", function()
    local dir = env.tmpdir()
    local m = env.mock { limit = LIMIT, window = WINDOW }
    local r = redis.start()
    local n, calls = 3, 12
    env.write(dir .. "/child.lua", CHILD)
    local cmd = string.format("%s; export TASKIP_SECRET_KEY=%s TASKIP_BASE_URL=%s "
      .. "TASKIP_CAFILE=%s RS_STORE=%s RS_CALLS=%d RS_FLEET=%d; "
      .. "for i in $(seq %d); do lua5.4 %s >%s/out.$i 2>%s/err.$i & done; "
      .. "sleep 2; kill %d; wait",
      LUA_ENV, q(env.KEY), q(m.url), q(m.cafile), q(r.url), calls, n, n,
      q(dir .. "/child.lua"), q(dir), q(dir), r:pid())
    local started = core.now()
    env.sh(cmd)
    local stopped = started + 2
    local took = core.now() - started
    local went_on = 0
    for i = 1, n do
      local out = env.read(dir .. "/out." .. i) or ""
      local err = env.read(dir .. "/err." .. i) or ""
      local _, warnings = err:gsub("rate store redis://[^\n]* unreachable", "")
      assert.equal(calls, count_ok({ out }), out .. err)
      -- the first call that ended after the stop came within a window
      local first
      for t in out:gmatch("call %d+ ok ([%d.]+)") do
        if tonumber(t) > stopped + 0.5 then first = tonumber(t) break end
      end
      if first then
        went_on = went_on + 1
        assert.equal(1, warnings, err)      -- once, however many calls
        assert.is_true(first - stopped < WINDOW + 2 * env.SLOW,
          "stalled " .. (first - stopped))
      else                                  -- done before the stop
        assert.is_true(warnings <= 1, err)
      end
    end
    assert.is_true(went_on > 0, "every process was done before Redis stopped")
    local n429 = statuses(m)[429] or 0
    print(string.format("\n  Redis stopped after 2 s: %d x 429, %.1f s", n429, took))
    assert.is_true(n429 <= n, n429 .. " x 429")
    r:stop()
    m:stop()
    env.sh("rm -rf " .. q(dir))
  end)
end)
