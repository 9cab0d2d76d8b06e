-- The cost of sharing the rate budget: per-call time of the Lua module
-- with each rate store (in-process, file:, redis://), as ratios against
-- in-process, in one run. Sequential GETs against the emulator on
-- loopback (TLS, one kept connection), rounds interleaved so that the
-- machine's drift hits every store alike; medians of the rounds.
--
--   make bench-rate-store        (or: lua5.4 bench/rate_store.lua [CALLS] [ROUNDS])
--
-- Needs build/ and redis-server; writes bench/RESULTS-rate-store.md when
-- given --out FILE as its last argument.
local mock = require "taskip.mock"
local taskip = require "taskip"
local core = require "taskip.core"

local CALLS = tonumber(arg[1]) or 400
local ROUNDS = tonumber(arg[2]) or 5
local OUT = arg[3] == "--out" and arg[4] or nil
local KEY = "bench-key-not-a-secret"

local function sh(cmd)
  local p = io.popen(cmd .. " 2>&1")
  local out = p:read("a")
  local _, _, code = p:close()
  return out, code
end

local dir = os.tmpname()
os.remove(dir)
assert(sh("mkdir -p " .. dir))

-- a private Redis on a free loopback port
local port
for _ = 1, 8 do
  math.randomseed(os.time() + math.floor(os.clock() * 1e6))
  local p = math.random(20000, 60000)
  sh(string.format("redis-server --port %d --bind 127.0.0.1 --save '' "
    .. "--appendonly no --daemonize yes --dir %s --pidfile %s/redis.pid "
    .. "--logfile %s/redis.log", p, dir, dir, dir))
  for _ = 1, 40 do
    if sh("redis-cli -p " .. p .. " ping"):match("PONG") then port = p break end
    sh("sleep 0.05")
  end
  if port then break end
end
assert(port, "redis-server did not start")

local m = assert(mock.start { secret_key = KEY, limit = 1e9, window = 3600 })
local STORES = {
  { "in-process", nil },
  { "file", "file:" .. dir .. "/rate" },
  { "redis", "redis://127.0.0.1:" .. port .. "/0" },
}
local clients = {}
for i, s in ipairs(STORES) do
  clients[i] = taskip.new { secret_key = KEY, base_url = m.url, cafile = m.cafile,
    rate_store = s[2], hourly_limit = 1e9, burst_limit = 1e9 }
  for _ = 1, 20 do assert(clients[i]:get("/contact", { limit = 1 })) end   -- warm up
end

local times = {}
for r = 1, ROUNDS do
  for i = 1, #STORES do
    local c, t = clients[i], core.now()
    for _ = 1, CALLS do assert(c:get("/contact", { limit = 1 })) end
    times[i] = times[i] or {}
    times[i][r] = (core.now() - t) / CALLS
  end
end

local function median(xs)
  table.sort(xs)
  local n = #xs
  return n % 2 == 1 and xs[(n + 1) / 2] or (xs[n / 2] + xs[n / 2 + 1]) / 2
end

local lines = {
  "| store | per call (ms) | ratio | store's share per call (ms) |",
  "|---|---|---|---|",
}
local base = median(times[1])
for i, s in ipairs(STORES) do
  local t = median(times[i])
  lines[#lines + 1] = string.format("| %s | %.3f | %.2f | %.3f |", s[1], t * 1e3,
    t / base, (t - base) * 1e3)
end
local table_text = table.concat(lines, "\n")
print(table_text)

for _, c in ipairs(clients) do c:close() end
m:stop()
sh("kill $(cat " .. dir .. "/redis.pid)")
sh("sleep 0.2; rm -rf " .. dir)

if OUT then
  local f = assert(io.open(OUT, "w"))
  f:write("# Rate store overhead\n\n",
    "Run by `make bench-rate-store` on ", os.date("!%Y-%m-%d %H:%M UTC"),
    ": ", CALLS, " sequential GETs per round and store, ", ROUNDS,
    " rounds interleaved, medians; the Lua module against the emulator",
    " (in the same process) over TLS on loopback, Redis on loopback.",
    " A call with a store makes two updates of the shared record",
    " (reserve, reconcile).\n\n", table_text, "\n")
  f:close()
end
