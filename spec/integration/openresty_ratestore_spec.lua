-- Many nginx workers, one key: the workers of one nginx share the rate
-- budget through an ngx.shared dictionary (rate_store =
-- ngx.shared.taskip). Every worker, each with its own client (so its
-- own budget without a store), makes its calls at the same moment
-- against the emulator's 12 requests per 6 s: through the dictionary
-- the emulator answers no 429, without it it does.
local env = require "support.env"
local nginx = require "support.nginx"

local LIMIT, WINDOW = 12, 6
local WORKERS, CALLS = 4, 6

-- Every worker takes part: at start each one arms a timer that waits
-- for /go to raise the "go" flag in the dictionary, then makes CALLS
-- calls with a client of its own and writes "done:<pid>" = calls that
-- succeeded. (nginx hands a burst of HTTP requests to whichever worker
-- accepts first, often one, which would not show sharing across them.)
local INIT_WORKER = [[
init_worker_by_lua_block {
  local dict = ngx.shared.taskip
  local function run(premature)
    if premature then return end
    local store = dict:get("go")
    if not store then return ngx.timer.at(0.005, run) end
    local taskip = require "taskip"
    local c = taskip.new {
      rate_store = store == "1" and dict or nil,
      rate_fleet = 4, retry_backoff = 0.01, max_wait = 60,
      burst_limit = 1000000,
    }
    local ok = 0
    for _ = 1, tonumber(dict:get("calls")) do
      local v, err = c:get("/contact")
      if v then ok = ok + 1 else ngx.log(ngx.ERR, tostring(err)) end
    end
    c:close()
    dict:set("done:" .. ngx.worker.pid(), ok)
    dict:incr("finished", 1, 0)
  end
  dict:set("ready:" .. ngx.worker.pid(), true)
  ngx.timer.at(0, run)
}
]]

local HANDLER = [[
location /ready {
  content_by_lua_block {
    local n = 0
    for _, k in ipairs(ngx.shared.taskip:get_keys(0)) do
      if k:find("^ready:") then n = n + 1 end
    end
    ngx.say(n)
  }
}
location /go {
  content_by_lua_block {
    local dict = ngx.shared.taskip
    dict:set("calls", tonumber(ngx.var.arg_n))
    dict:set("go", ngx.var.arg_store)
    ngx.say("go")
  }
}
location /finished {
  content_by_lua_block {
    local dict = ngx.shared.taskip
    local out = { dict:get("finished") or 0 }
    for _, k in ipairs(dict:get_keys(0)) do
      local pid = k:match("^done:(%d+)$")
      if pid then out[#out + 1] = pid .. "=" .. dict:get(k) end
    end
    ngx.say(table.concat(out, " "))
  }
}
location /refused {
  content_by_lua_block {
    local taskip = require "taskip"
    local ok, err = pcall(taskip.new, { rate_store = "file:/tmp/x" })
    local ok2, err2 = pcall(taskip.new, { rate_store = {} })
    ngx.say(tostring(ok), " ", err, "\n", tostring(ok2), " ", err2)
  }
}
]]

describe("taskip in nginx workers sharing ngx.shared", function()
  local m, srv

  local function start()
    srv = nginx.start {
      trusted = m.cafile, workers = WORKERS,
      env = { TASKIP_SECRET_KEY = env.KEY, TASKIP_BASE_URL = nginx.by_name(m) },
      http = "lua_shared_dict taskip 1m;\n" .. INIT_WORKER,
      server = HANDLER,
    }
    assert(env.wait_for(function()
      return tonumber((srv:get("/ready"))) == WORKERS
    end, 30, 0.05), "not every worker started")
  end

  setup(function()
    m = env.mock { limit = LIMIT, window = WINDOW }
  end)
  teardown(function()
    m:stop()
  end)
  before_each(function()
    m:reset()
    start()
  end)
  after_each(function()
    srv:stop()
  end)

  -- Every worker makes CALLS calls at once, with (store "1") or without
  -- the dictionary; returns the emulator's 429 count, the calls that
  -- succeeded and how many workers made calls.
  local function burst(store)
    srv:get("/go?n=" .. CALLS .. "&store=" .. store)
    local line
    assert(env.wait_for(function()
      line = srv:get("/finished")
      return tonumber(line:match("^(%d+)")) == WORKERS
    end, 120, 0.1), "the workers did not finish: " .. tostring(line))
    local done, workers = 0, 0
    for _, ok in line:gmatch("(%d+)=(%d+)") do
      done, workers = done + tonumber(ok), workers + 1
    end
    local n429 = 0
    for _, r in ipairs(env.requests(m)) do
      if r.status == 429 then n429 = n429 + 1 end
    end
    return n429, done, workers
  end

  it("refuses a file or Redis store, naming rate_store", function()
    local body = srv:get("/refused")
    assert.matches("^false [^\n]*rate_store[^\n]*\nfalse [^\n]*rate_store", body)
  end)

  it("without a store each worker's client overshoots (429s)", function()
    local n429, done, workers = burst("0")
    assert.same({ WORKERS * CALLS, WORKERS }, { done, workers })
    assert.is_true(n429 > 0, "expected 429s")
    print(string.format("\n  nginx, %d workers, no store: %d x 429", workers, n429))
  end)

  it("through ngx.shared the emulator answers no 429", function()
    local n429, done, workers = burst("1")
    assert.same({ WORKERS * CALLS, WORKERS }, { done, workers })
    assert.equal(0, n429)
    assert.is_nil(srv:error_log():find(env.KEY, 1, true))
    print(string.format("\n  nginx, %d workers, ngx.shared: 0 x 429", workers))
  end)
end)
