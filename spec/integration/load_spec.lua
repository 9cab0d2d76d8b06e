-- Load: ONE host (build/load-driver, over the C host API) runs N
-- scripts at once, each making M calls that alternate reads and
-- writes, against taskip-mock. Every call is accounted for at the
-- emulator (counts match exactly: no retry, no loss), every write
-- created exactly one record under its unique name, and the host's
-- peak memory stays within a bound per script. `make test` runs 100 x
-- 10; `make load` runs 1,000 x 10 (TASKIP_LOAD_SCRIPTS, _CALLS) and
-- prints the figures (also written to $TASKIP_LOAD_REPORT).
local env = require "support.env"
local q = env.quote

local SCRIPTS = tonumber(os.getenv("TASKIP_LOAD_SCRIPTS")) or 100
local CALLS = tonumber(os.getenv("TASKIP_LOAD_CALLS")) or 10
-- Bounds on the host process: a base for libcurl, Lua and the TLS
-- library, plus this much per live script (each has its own sandboxed
-- Lua state with the taskip modules; about 250 KB measured).
local BASE_KB, PER_SCRIPT_KB = 64 * 1024, 512

describe("load", function()
  it(("one host runs %d scripts x %d calls: every call counted, each write once, "
    .. "memory bounded"):format(SCRIPTS, CALLS), function()
    local posts, gets = SCRIPTS * (CALLS // 2), SCRIPTS * (CALLS - CALLS // 2)
    -- the emulator's budget is raised for the run; the driver raises
    -- the client's burst and hourly budgets
    local m = env.mock { limit = SCRIPTS * CALLS * 2 + 1000 }
    local prefix = "load" .. os.time()
    local out, code = env.sh(string.format("TASKIP_SECRET_KEY=%s %s --base-url %s --cafile %s "
      .. "--lua-dir lua --scripts %d --calls %d --prefix %s", q(env.KEY), env.bin("load-driver"),
      q(m.url), q(m.cafile), SCRIPTS, CALLS, prefix))
    assert.equal(0, code, out)
    local f = {}
    for k, v in out:gmatch("([%w_]+)=([%d.]+)") do f[k] = tonumber(v) end
    assert.same({ SCRIPTS, 0, posts, gets }, { f.ok, f.failed, f.posts, f.gets }, out)

    -- every call accounted for at the emulator, exactly
    local stats = m:stats()
    assert.equal(SCRIPTS * CALLS, stats.total_requests)
    assert.equal(posts, env.count(m, "POST /support-ticket"))
    assert.equal(gets, env.count(m, "GET /contact/{id}"))

    -- no duplicate writes: exactly one ticket per name, none missing
    local c = env.client(m)
    local seen, extra = {}, 0
    local page = 1
    repeat
      local body = assert(c:get("/support-ticket", { search = prefix, page = page, limit = 500 }))
      for _, t in ipairs(body.data) do
        if seen[t.subject] then extra = extra + 1 end
        seen[t.subject] = true
      end
      page = page + 1
    until #body.data == 0
    c:close()
    local missing = 0
    for i = 1, SCRIPTS do
      for k = 2, CALLS, 2 do
        if not seen[prefix .. "-" .. i .. "-" .. k] then missing = missing + 1 end
      end
    end
    assert.same({ 0, 0 }, { missing, extra }, "missing, duplicated")
    m:stop()

    -- memory: bounded, and reported (under ASan, RSS counts shadow memory)
    local bound = BASE_KB + SCRIPTS * PER_SCRIPT_KB
    if not env.SANITIZED then
      assert.is_true(f.peak_rss_kb < bound, ("peak RSS %d kB over the bound %d kB")
        :format(f.peak_rss_kb, bound))
      assert.is_true(f.peak_per_script_kb < PER_SCRIPT_KB, out)
    end
    local report = ("load: %d scripts x %d calls in one host: %d calls (%d POST, %d GET), "
      .. "all counted at the emulator, %d tickets, each once; %.2f s (%d calls/s); "
      .. "peak RSS %.1f MB (%.1f MB at start), %.0f kB per script\n"):format(SCRIPTS, CALLS,
      SCRIPTS * CALLS, posts, gets, posts, f.seconds, f.calls_per_s, f.peak_rss_kb / 1024,
      f.rss_start_kb / 1024, f.peak_per_script_kb)
    local path = os.getenv("TASKIP_LOAD_REPORT")
    if path and path ~= "" then env.write(path, report) end
  end)
end)
