-- Limits of single endpoints (the endpoint table's `limit` option):
-- POST /quotation/sent/{id} takes 10 requests a minute. The client paces
-- it like the key's budget and the emulator answers 429 past it. The
-- emulators here run with a WINDOW-second budget window, which also cuts
-- the endpoint's window to WINDOW; the clients are told the same with
-- their `limits` option.
local env = require "support.env"
local core = require "taskip.core"

local WINDOW = 2 * env.SLOW       -- the ten sends must fit in one window
local ROUTE = "POST /quotation/sent/{id}"
local SHORT = { ["quotation:send"] = { 10, WINDOW } }

local statuses = env.statuses

-- the emulator's seed has quotations 1 to 5
local function id(i) return (i - 1) % 5 + 1 end

local function sends(c, n)
  for i = 1, n do
    local v, err = c.quotation:send(id(i), {})
    assert(v, err and tostring(err))
  end
end

describe("a limit of the endpoint's own (quotation send, 10 per window)", function()
  local m
  setup(function() m = env.mock { window = WINDOW } end)
  teardown(function() m:stop() end)
  before_each(function() m:reset() end)

  it("policy wait: the 11th waits for the endpoint's window, and no 429 comes", function()
    local c = env.client(m, { limits = SHORT })
    local t0 = core.now()
    sends(c, 10)
    local ten = core.now() - t0
    local t1 = core.now()
    assert(c.quotation:send(1, {}))
    local eleventh = core.now() - t1
    assert.is_true(eleventh > ten, ("the 11th took %.3f s, the ten %.3f s"):format(eleventh, ten))
    assert.equal(11, env.count(m, ROUTE))
    assert.is_nil(statuses(m)[429])
    c:close()
  end)

  it("policy error: the 11th fails with rate_limited and is never sent", function()
    local c = env.client(m, { limits = SHORT, rate_limit = "error" })
    sends(c, 10)
    local v, err = c.quotation:send(1, {})
    assert.is_nil(v)
    assert.equal("rate_limited", err.kind)
    assert.is_nil(err.status)
    assert.matches("quotation:send", err.message)
    assert.is_true(err.retry_after > 0, "retry_after " .. tostring(err.retry_after))
    assert.equal(10, env.count(m, ROUTE))
    assert.is_nil(statuses(m)[429])
    -- the key's budget is not spent: other endpoints go at once
    assert(c:get("/contact"))
    c:close()
  end)

  it("paces c:post on the endpoint's path too, not only the generated method", function()
    local c = env.client(m, { limits = SHORT, rate_limit = "error" })
    sends(c, 5)
    for i = 1, 5 do assert(c:post("/quotation/sent/" .. i, {})) end
    local v, err = c:request("POST", "/quotation/sent/1", { body = {} })
    assert.is_nil(v)
    assert.equal("rate_limited", err.kind)
    assert.equal(10, env.count(m, ROUTE))
    c:close()
  end)

  it("a client that does not track the limit gets the emulator's 429 on the 11th", function()
    local c = env.client(m, { limits = { ["quotation:send"] = false }, rate_limit = "error" })
    sends(c, 10)
    local v, err = c.quotation:send(1, {})
    assert.is_nil(v)
    assert.equal("rate_limited", err.kind)
    assert.equal(429, err.status)
    assert.equal("Too Many Attempts.", err.message)
    assert.equal("10", err.headers["x-ratelimit-limit"])
    assert.equal("0", err.headers["x-ratelimit-remaining"])
    assert.truthy(tonumber(err.headers["retry-after"]))
    assert.equal(11, env.count(m, ROUTE))
    assert.equal(1, statuses(m)[429])
    c:close()
  end)

  it("a 429 of the endpoint paces the endpoint, not the key's budget", function()
    -- the client believes in 20 a window; the emulator allows 10
    local c = env.client(m, { limits = { ["quotation:send"] = { 20, WINDOW } },
      rate_limit = "error" })
    sends(c, 10)
    local v, err = c.quotation:send(1, {})
    assert.is_nil(v)
    assert.equal(429, err.status)
    v, err = c.quotation:send(2, {})             -- held back by the client
    assert.is_nil(v)
    assert.equal("rate_limited", err.kind)
    assert.is_nil(err.status)
    assert.equal(11, env.count(m, ROUTE))
    assert(c:get("/contact"))                     -- the budget still goes
    assert.equal(1, env.count(m, "GET /contact"))
    c:close()
  end)

  it("clients sharing a rate store share the endpoint's count", function()
    local dir = env.tmpdir()
    local store = "file:" .. dir .. "/rate"
    local a = env.client(m, { limits = SHORT, rate_limit = "error", rate_store = store })
    local b = env.client(m, { limits = SHORT, rate_limit = "error", rate_store = store })
    sends(a, 6)
    sends(b, 4)
    local v, err = b.quotation:send(1, {})
    assert.is_nil(v)
    assert.equal("rate_limited", err.kind)
    assert.is_nil(err.status)
    assert.equal(10, env.count(m, ROUTE))
    a:close()
    b:close()
    os.remove(dir .. "/rate")
    os.remove(dir)
  end)

  it("refuses a bad limits option, naming it", function()
    local taskip = require "taskip"
    for _, bad in ipairs { 3, { ["quotation:send"] = { 0, 60 } },
      { ["quotation:send"] = { 10, 7200 } }, { ["quotation:send"] = "10/min" } } do
      local ok, why = pcall(taskip.new, { secret_key = env.KEY, limits = bad })
      assert.is_false(ok)
      assert.matches("limits", why)
    end
  end)
end)

describe("a limit of the endpoint's own in a taskip-run script", function()
  local m, dir
  -- the table's own minute: the script cannot wait it out in its time
  setup(function()
    m = env.mock {}
    dir = env.tmpdir()
  end)
  teardown(function()
    m:stop()
    os.remove(dir .. "/send.lua")
    os.remove(dir)
  end)

  it("holds the 11th send back: the emulator sees 10 and no 429", function()
    local script = dir .. "/send.lua"
    env.write(script, [[
for i = 1, 11 do
  local v, err = taskip.quotation:send((i - 1) % 5 + 1, {})
  print(i, v and "ok" or err.kind)
end
]])
    local out, code = env.sh("TASKIP_SECRET_KEY=" .. env.quote(env.KEY) .. " "
      .. env.bin("taskip-run") .. " --base-url " .. env.quote(m.url) .. " --cafile "
      .. env.quote(m.cafile) .. " --timeout " .. 3 * env.SLOW .. " " .. env.quote(script))
    assert.equal(3, code, out)                   -- stopped by its time limit, waiting
    assert.matches("10\tok", out)
    assert.is_nil(out:find("11\t", 1, true), out)
    assert.equal(10, env.count(m, ROUTE))
    assert.is_nil(statuses(m)[429])
  end)
end)

describe("a limit of the endpoint's own over OpenResty (transport ngx)", function()
  local nginx = require "support.nginx"
  local m, srv
  setup(function()
    m = env.mock { window = WINDOW }
    srv = nginx.start {
      trusted = m.cafile,
      env = { TASKIP_SECRET_KEY = env.KEY, TASKIP_BASE_URL = nginx.by_name(m) },
      server = [[
        location /run/ { content_by_lua_block { require("support.ngx_app").run() } }]],
    }
  end)
  teardown(function()
    if srv then srv:stop() end
    m:stop()
  end)

  it("policy error: the 11th fails with rate_limited and is never sent", function()
    local r = srv:run("quotation_sends", "window=" .. WINDOW)
    for i = 1, 10 do assert.equal("ok", r.kinds[i], "send " .. i) end
    assert.equal("rate_limited", r.kinds[11])
    assert.equal(0, r.statuses[11])
    assert.equal(10, env.count(m, ROUTE))
    assert.is_nil(statuses(m)[429])
  end)
end)

describe("the lead list with item = 0", function()
  local m
  setup(function() m = env.mock() end)
  teardown(function() m:stop() end)

  it("walks everything in one request", function()
    local c = env.client(m)
    local all = assert(c.lead:all { item = 0 })
    assert.equal(1, env.count(m, "GET /lead"))
    assert.equal("0", env.requests(m)[1].args.item)
    m:reset()
    local paged = assert(c.lead:all { item = 5 })
    assert.equal(#paged, #all)
    assert.is_true(#all > 10)                  -- more than the default page
    c:close()
  end)
end)
