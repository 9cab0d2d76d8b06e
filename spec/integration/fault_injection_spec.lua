-- Fault injection against taskip-mock, through the Lua client and
-- through the host (taskip-run scripts): every fault the emulator can
-- produce gives its documented error kind; nothing crashes; the key is
-- in no error and no output (raw, URL-encoded or base64); the client
-- keeps at most one connection and none after close; and a POST
-- reaches the emulator exactly once (counted there), or not at all
-- when the TLS handshake fails. faults_spec.lua and retry_spec.lua
-- hold the single-GET cases; this adds writes under every fault,
-- bursts and storms over sequences of calls, the host, and the server
-- going away mid-run.
local env = require "support.env"
local canary = require "support.canary"
local core = require "taskip.core"
local q, write = env.quote, env.write

local RUN = env.bin("taskip-run")

local read = env.read

local function no_key(v, what)
  local text = type(v) == "string" and v or nil
  if not text then
    assert.is_false(env.contains(v, env.KEY), what)
    text = tostring(v)
  end
  assert.same({}, canary.scan(text, env.KEY), what)
end

-- This process's TCP connections to port (client side): the sockets
-- among /proc/self/fd whose remote port is port.
local function connections_to(port)
  local inodes = {}
  for _, file in ipairs { "/proc/net/tcp", "/proc/net/tcp6" } do
    local f = io.open(file)
    if f then
      for line in f:lines() do
        local rport, st, inode = line:match(
          "^%s*%d+: %x+:%x+ %x+:(%x+) (%x+) %S+ %S+ %S+ +%d+ +%d+ (%d+)")
        -- 01 ESTABLISHED .. 08 CLOSE_WAIT: states that hold a socket
        if rport and tonumber(rport, 16) == port and tonumber(st, 16) <= 8 then
          inodes["socket:[" .. inode .. "]"] = true
        end
      end
      f:close()
    end
  end
  local pid = read("/proc/self/stat"):match("^(%d+)")
  local n = 0
  local p = io.popen("ls -l /proc/" .. pid .. "/fd 2>/dev/null")
  for line in p:lines() do
    local target = line:match("%-> (socket:%[%d+%])$")
    if target and inodes[target] then n = n + 1 end
  end
  p:close()
  return n
end

-- One fault per row: the faults, the kind a call gets (nil: success),
-- and whether a POST under it creates its record (the emulator handles
-- the request and then misbehaves) or not (the fault replaces it).
local CASES = {
  -- the status line arrived (201 for the POST: it was created), the body not
  { name = "connection dropped mid-body", faults = { drop_mid_body = 1 },
    kind = "network", created = true, partial = true },
  { name = "connection closed with no answer", faults = { drop = 1 },
    kind = "network", created = false, status = "none" },
  { name = "stall past the timeout", faults = { stall = 1, stall_ms = 3000 },
    kind = "timeout", created = true, status = "none" },
  { name = "500", faults = { fail = 1, fail_status = 500 }, kind = "server", status = 500 },
  { name = "502", faults = { fail = 1, fail_status = 502 }, kind = "server", status = 502 },
  { name = "503 with Retry-After", faults = { fail = 1, fail_retry_after = 7 },
    kind = "server", status = 503, retry_after = 7 },
  { name = "504", faults = { fail = 1, fail_status = 504 }, kind = "server", status = 504 },
  { name = "429 with Retry-After", faults = { status429 = 1 }, kind = "rate_limited",
    status = 429, retry_after = true },
  { name = "429 without Retry-After", faults = { status429 = 1, retry_after = false },
    kind = "rate_limited", status = 429, retry_after = true },
  { name = "malformed JSON", faults = { malformed = 1 }, kind = "decode", status = 200 },
  { name = "a 50 MB body", faults = { huge_bytes = 50 * 1000 * 1000 }, kind = "too_large",
    status = 200 },
  { name = "a 100k-deep body", faults = { deep = 100000 }, kind = "decode", status = 200 },
  { name = "an HTML page (wrong content type and body)", faults = { html = 1 },
    kind = "decode", status = 200 },
  { name = "JSON labelled text/html (the body decides)",
    faults = { content_type = "text/html; charset=UTF-8" }, created = true },
}

local TLS_CASES = {
  { name = "a certificate for another host", cert_mode = "wrong_host" },
  { name = "an expired certificate", cert_mode = "expired" },
}

local function check_error(case, v, err, what)
  if not case.kind then
    assert.is_table(v, what .. ": " .. tostring(err))
    return
  end
  assert.is_nil(v, what)
  assert.equal(case.kind, err.kind, what .. ": " .. tostring(err))
  if case.status == "none" then
    assert.is_nil(err.status, what)
  elseif case.partial then
    assert.equal(what == "POST" and 201 or 200, err.status, what)
  elseif case.status then
    assert.equal(case.status, err.status, what)
  end
  if case.retry_after == true then
    assert.is_true(type(err.retry_after) == "number" and err.retry_after > 0, what)
  elseif case.retry_after then
    assert.equal(case.retry_after, err.retry_after, what)
  end
  no_key(err, what)
end

-- The Lua client's per-attempt timeout: what "stall past the timeout"
-- waits for, and what every other call must finish within, TLS
-- handshake included, on a busy machine too (the stall lasts 3 s).
local TIMEOUT = 1

describe("fault injection: the Lua client", function()
  local m, checker

  setup(function()
    m = env.mock()
    checker = env.client(m)
    assert(checker:get("/contact/1"))        -- holds one connection from now on
  end)
  teardown(function()
    checker:close()
    m:stop()
  end)
  before_each(function() m:reset() end)

  local function exists(email)
    local page = assert(checker:get("/contact", { search = email }))
    return #page.data
  end

  for i, case in ipairs(CASES) do
    it(case.name .. ": " .. (case.kind or "success") .. "; a POST is sent once", function()
      local c = env.client(m, { timeout = TIMEOUT, rate_limit = "error" })
      local email = "fault-" .. i .. "@example.com"
      m:faults(case.faults)
      local v, err = c:post("/contact", { first_name = "Fault", email = email })
      check_error(case, v, err, "POST")
      if err then assert.equal(1, err.attempts, "POST attempts") end
      assert.equal(1, env.count(m, "POST /contact"))
      assert.equal(case.created and 1 or 0, exists(email))
      assert.is_true(connections_to(m.port) <= 2)     -- c's and checker's
      -- a GET under the same fault, no retries: the same kind
      local d = env.client(m, { timeout = TIMEOUT, rate_limit = "error", max_retries = 0 })
      m:faults(case.faults)
      v, err = d:get("/contact/1")
      check_error(case, v, err, "GET")
      assert.equal(1, env.count(m, "GET /contact/{id}"))
      c:close()
      d:close()
      assert.equal(1, connections_to(m.port))          -- the checker's only
    end)
  end

  for _, case in ipairs(TLS_CASES) do
    it(case.name .. ": tls, and the POST never reaches the emulator", function()
      local bad = env.mock { cert_mode = case.cert_mode }
      local c = env.client(bad)
      local v, err = c:post("/contact", { first_name = "Tls", email = "tls@example.com" })
      assert.is_nil(v)
      assert.equal("tls", err.kind)
      assert.is_nil(err.status)
      no_key(err, "tls")
      v, err = c:get("/contact")
      assert.is_nil(v)
      assert.equal("tls", err.kind)
      assert.equal(0, bad:stats().total_requests)
      c:close()
      assert.equal(0, connections_to(bad.port))
      bad:stop()
    end)
  end

  it("a 5xx burst over a sequence of reads and writes: every POST sent once", function()
    local c = env.client(m)
    m:faults { fail = 7, fail_status = 502 }
    local posts, results = 0, {}
    for i = 1, 16 do
      if i % 2 == 0 then
        posts = posts + 1
        local email = "burst-" .. i .. "@example.com"
        local v, err = c:post("/contact", { first_name = "Burst", email = email })
        results[#results + 1] = { email = email, ok = v ~= nil, err = err }
      else
        local v, err = c:get("/contact/1")
        if not v then assert.equal("server", err.kind) end
      end
    end
    assert.equal(posts, env.count(m, "POST /contact"))
    local failed = 0
    for _, r in ipairs(results) do
      if r.ok then
        assert.equal(1, exists(r.email), r.email)
      else
        failed = failed + 1
        assert.equal("server", r.err.kind)
        assert.equal(502, r.err.status)
        assert.equal(1, r.err.attempts)
        assert.equal(0, exists(r.email), r.email)
      end
    end
    assert.is_true(failed >= 1, "the burst hit no write")
    -- the burst is over: the last calls all succeeded
    assert.is_true(results[#results].ok)
    local sent502 = 0
    for _, r in ipairs(env.requests(m)) do
      if r.status == 502 then sent502 = sent502 + 1 end
    end
    assert.equal(7, sent502)
    c:close()
  end)

  describe("a 429 storm", function()
    -- storm: a 1 s window, for the wait; held: a 10 s one, so that the
    -- calls after the 429 come before the reset however busy the machine
    local storm, held

    setup(function()
      storm = env.mock { window = 1 }
      held = env.mock { window = 10 }
    end)
    teardown(function()
      storm:stop()
      held:stop()
    end)
    before_each(function()
      storm:reset()
      held:reset()
    end)

    for _, with in ipairs { true, false } do
      it((with and "with" or "without") .. " Retry-After, policy error: one request reaches "
        .. "the server, then nothing is sent until the reset", function()
        local c = env.client(held, { rate_limit = "error" })
        held:faults { status429 = 1000, retry_after = with }
        local v, err = c:post("/contact", { first_name = "Storm", email = "storm@example.com" })
        assert.is_nil(v)
        assert.same({ "rate_limited", 429, 1 }, { err.kind, err.status, err.attempts })
        -- the window's reset (10 s, +1 s after a whole-second reset), not
        -- the 60 s fallback
        assert.is_true(err.retry_after > 0 and err.retry_after <= 12, tostring(err.retry_after))
        if with then
          assert.is_string(err.headers["retry-after"])
        else
          assert.is_nil(err.headers["retry-after"])
        end
        for i = 1, 6 do
          local call = i % 2 == 0 and c.post or c.get
          v, err = call(c, "/contact", i % 2 == 0
            and { first_name = "Storm", email = "storm" .. i .. "@example.com" } or nil)
          assert.is_nil(v)
          assert.same({ "rate_limited", 0 }, { err.kind, err.attempts })
          assert.is_nil(err.status)
        end
        assert.equal(1, held:stats().total_requests)
        assert.equal(1, env.count(held, "POST /contact"))
        c:close()
      end)
    end

    it("policy wait: a GET waits out the storm, a POST is not re-sent", function()
      local c = env.client(storm, { max_retries = 3 })
      storm:faults { status429 = 1 }
      local t = core.now()
      local page, meta = c:get("/contact")
      assert.is_table(page)
      assert.equal(2, meta.attempts)
      assert.is_true(core.now() - t >= 0.5, "did not wait")
      storm:faults { status429 = 1 }
      local v, err = c:post("/contact", { first_name = "Wait", email = "wait@example.com" })
      assert.is_nil(v)
      assert.equal("rate_limited", err.kind)
      assert.equal(1, env.count(storm, "POST /contact"))
      c:close()
    end)
  end)

  it("a stalled GET is retried on a fresh connection, the old one closed", function()
    local c = env.client(m, { timeout = TIMEOUT })
    m:faults { stall = 1, stall_ms = 3000 }
    local page, meta = c:get("/contact")
    assert.is_table(page)
    assert.equal(2, meta.attempts)
    assert.equal(2, env.count(m, "GET /contact"))
    assert.equal(2, connections_to(m.port))             -- c's and checker's
    c:close()
    assert.equal(1, connections_to(m.port))
  end)
end)

-- The server going away: a client (or a taskip-run script) makes a
-- sequence of POSTs against an emulator with LATENCY of latency; once
-- the third is in flight (counted, its answer still being delayed), the
-- emulator stops. That POST fails with network, the later ones cannot
-- connect, and the emulator saw exactly three. The spec must see the
-- third counted and stop the emulator within that latency: a whole
-- second, so that a busy machine's pauses fit in it.
describe("fault injection: the server goes away mid-run", function()
  local dir

  lazy_setup(function()
    dir = env.tmpdir()
  end)
  lazy_teardown(function() os.execute("rm -rf " .. q(dir)) end)

  local LATENCY = 1000      -- ms
  local PATIENCE = 60       -- s, for the run to get there, and to end

  -- Starts cmd in the background (output to dir/name.out, exit code
  -- to dir/name.rc), stops m once it counted `upto` POSTs, waits for
  -- cmd; returns the POSTs counted at the stop, output and exit code.
  local function stop_midway(m, name, cmd, upto)
    local out, rc = dir .. "/" .. name .. ".out", dir .. "/" .. name .. ".rc"
    assert(os.execute(string.format("(%s >%s 2>&1; echo $? >%s) &", cmd, q(out), q(rc))))
    local counted
    env.wait_for(function()
      counted = env.count(m, "POST /contact")
      return counted >= upto
    end, PATIENCE, 0.01)
    m:stop()
    env.wait_for(function() return read(rc) and read(rc):find("\n") end, PATIENCE, 0.01)
    return counted, read(out), tonumber(read(rc))
  end

  local function check(counted, out, code)
    assert.equal(0, code, out)
    assert.equal(3, counted, out)
    local lines = {}
    for line in out:gmatch("[^\n]+") do lines[#lines + 1] = line end
    assert.equal(4, #lines, out)
    assert.equal("1 ok", lines[1])
    assert.equal("2 ok", lines[2])
    assert.equal("3 network 1", lines[3])       -- in flight: sent once, not re-sent
    for i = 4, #lines do
      -- refused, or accepted by the closing listener and cut in the handshake
      local kind = lines[i]:match("^" .. i .. " (%a+) %d$")
      assert.truthy(kind == "network" or kind == "tls", lines[i])
    end
    no_key(out, "output")
  end

  local SEQUENCE = [[
    for i = 1, 4 do
      local email = "gone" .. i .. "@example.com"
      local v, err = C:post("/contact", { first_name = "Gone", email = email })
      print(i .. " " .. (v and "ok" or err.kind .. " " .. err.attempts))
    end
  ]]

  it("a Lua client gets network errors, and the in-flight POST was sent once", function()
    local m = env.mock { latency_ms = LATENCY }
    write(dir .. "/client.lua", "io.stdout:setvbuf('line') local C = require('taskip').new{ "
      .. "retry_backoff = 0.01, timeout = 10 }\n" .. SEQUENCE .. "\nC:close()\n")
    local cmd = string.format("LUA_PATH=%s LUA_CPATH=%s TASKIP_SECRET_KEY=%s TASKIP_BASE_URL=%s "
      .. "TASKIP_CAFILE=%s lua5.4 %s", q(package.path .. ";;"), q(package.cpath .. ";;"),
      q(env.KEY), q(m.url), q(m.cafile), q(dir .. "/client.lua"))
    check(stop_midway(m, "client", cmd, 3))
  end)

  it("a taskip-run script gets network errors, and the in-flight POST was sent once", function()
    local m = env.mock { latency_ms = LATENCY }
    write(dir .. "/script.lua", "local C = taskip\n" .. SEQUENCE)
    local cmd = string.format("TASKIP_SECRET_KEY=%s %s --base-url %s --cafile %s %s",
      q(env.KEY), RUN, q(m.url), q(m.cafile), q(dir .. "/script.lua"))
    check(stop_midway(m, "script", cmd, 3))
  end)
end)

-- The same faults under taskip-run: one emulator per fault (started
-- with it), all runs at once. The script POSTs a unique contact, prints
-- what it got, then reads whether the contact exists.
describe("fault injection: taskip-run scripts", function()
  local dir, runs = nil, {}
  -- The time limit of the script whose POST stalls: it must have sent
  -- the POST by then, while twenty runs start at once on a maybe busy
  -- machine.
  local STALL_LIMIT = 2 * env.SLOW

  local SCRIPT = [[
    local email = arg[1]
    local v, err = taskip:post("/contact", { first_name = "Fault", email = email })
    print("post " .. (v and "ok" or err.kind .. " " .. tostring(err.status) .. " "
      .. tostring(err.attempts)))
    local page, err2 = taskip:get("/contact", { search = email })
    print("created " .. (page and #page.data or err2.kind))
  ]]

  -- A sequence of reads and writes through a burst (or a storm): each
  -- line "GET|POST i ok|KIND STATUS ATTEMPTS".
  local SEQUENCE = [[
    for i = 1, 10 do
      local v, err
      if i % 2 == 1 then
        local email = "seq" .. i .. "@example.com"
        v, err = taskip:post("/contact", { first_name = "Seq", email = email })
      else
        v, err = taskip:get("/contact/1")
      end
      print((i % 2 == 1 and "POST " or "GET ") .. i .. " " .. (v and "ok"
        or err.kind .. " " .. tostring(err.status) .. " " .. err.attempts))
    end
  ]]
  local BURSTS = {
    { name = "a burst of five 502s", faults = { fail = 5, fail_status = 502 },
      kind = "server", status = 502 },
    { name = "a storm of two 429s", faults = { status429 = 2 }, kind = "rate_limited",
      status = 429 },
  }

  lazy_setup(function()
    dir = env.tmpdir()
    write(dir .. "/fault.lua", SCRIPT)
    write(dir .. "/sequence.lua", SEQUENCE)
    local jobs = {}
    local all = {}
    for i, case in ipairs(CASES) do
      local faults = case.faults
      if faults.stall then
        -- silent for longer than the script's time limit (STALL_LIMIT)
        faults = { stall = faults.stall, stall_ms = 60000 }
      end
      all[#all + 1] = { case = case, name = "case" .. i,
        opts = { faults = faults, window = 1 } }
    end
    for i, case in ipairs(TLS_CASES) do
      all[#all + 1] = { case = case, name = "tls" .. i, opts = { cert_mode = case.cert_mode } }
    end
    for i, case in ipairs(BURSTS) do
      all[#all + 1] = { case = case, name = "burst" .. i, script = "sequence.lua",
        opts = { faults = case.faults, window = 1 } }
    end
    for _, r in ipairs(all) do
      r.m = env.mock(r.opts)
      r.email = r.name .. "@example.com"
      local base = dir .. "/" .. r.name
      local limit = r.case.faults and r.case.faults.stall and STALL_LIMIT or 20 * env.SLOW
      jobs[#jobs + 1] = string.format("(TASKIP_SECRET_KEY=%s %s --timeout %s --base-url %s "
        .. "--cafile %s --verbose %s %s >%s 2>%s; echo $? >%s) &", q(env.KEY), RUN, limit,
        q(r.m.url), q(r.m.cafile), q(dir .. "/" .. (r.script or "fault.lua")), q(r.email),
        q(base .. ".out"),
        q(base .. ".err"), q(base .. ".rc"))
      runs[#runs + 1] = r
    end
    jobs[#jobs + 1] = "wait"
    assert(os.execute(table.concat(jobs, "\n")))
    for _, r in ipairs(runs) do
      local base = dir .. "/" .. r.name
      r.out, r.err = read(base .. ".out"), read(base .. ".err")
      r.rc = tonumber(read(base .. ".rc"))
    end
  end)

  lazy_teardown(function()
    for _, r in ipairs(runs) do r.m:stop() end
    os.execute("rm -rf " .. q(dir))
  end)

  for i, case in ipairs(CASES) do
    local stalled = case.faults.stall
    it(case.name .. (stalled and ": the script's time limit (exit 3)"
      or ": " .. (case.kind or "success")), function()
      local r = runs[i]
      no_key(r.out .. r.err, "output")
      assert.equal(1, env.count(r.m, "POST /contact"), r.out .. r.err)
      if stalled then
        -- scripts get no per-call timeout: the wall-clock limit ends them
        assert.equal(3, r.rc, r.out .. r.err)
        assert.truthy(r.err:find("time limit", 1, true), r.err)
        return
      end
      assert.equal(0, r.rc, r.out .. r.err)
      local kind, status, attempts = r.out:match("^post (%S+) ?(%S*) ?(%S*)\n")
      assert.equal(case.kind or "ok", kind, r.out)
      if case.kind then
        local want = case.partial and 201 or case.status
        assert.equal(want == "none" and "nil" or tostring(want), status, r.out)
        assert.equal("1", attempts, r.out)
      end
      assert.truthy(r.out:find("created " .. (case.created and 1 or 0), 1, true), r.out)
    end)
  end

  for i, case in ipairs(TLS_CASES) do
    it(case.name .. ": tls, and nothing reaches the emulator", function()
      local r = runs[#CASES + i]
      assert.equal(0, r.rc, r.out .. r.err)
      assert.truthy(r.out:find("post tls nil 1\ncreated tls\n", 1, true), r.out)
      assert.equal(0, r.m:stats().total_requests)
      no_key(r.out .. r.err, "output")
    end)
  end

  for i, case in ipairs(BURSTS) do
    it(case.name .. " over a sequence of reads and writes: each POST sent once", function()
      local r = runs[#CASES + #TLS_CASES + i]
      assert.equal(0, r.rc, r.out .. r.err)
      no_key(r.out .. r.err, "output")
      local posts, failed, sent = 0, 0, 0
      for method, n, result in r.out:gmatch("(%u+) (%d+) ([^\n]+)") do
        if result ~= "ok" then
          local kind, status, attempts = result:match("^(%S+) (%S+) (%d+)$")
          assert.same({ case.kind, tostring(case.status) }, { kind, status }, r.out)
          if method == "POST" then
            failed = failed + 1
            assert.equal("1", attempts, r.out)
          end
        end
        if method == "POST" then posts = posts + 1 end
        if tonumber(n) == 10 then assert.equal("ok", result, r.out) end  -- the burst is over
      end
      assert.equal(5, posts, r.out)
      assert.is_true(failed >= 1, "the burst hit no write:\n" .. r.out)
      assert.equal(posts, env.count(r.m, "POST /contact"))
      for _, e in ipairs(env.requests(r.m)) do
        if e.status == case.status then sent = sent + 1 end
      end
      assert.equal(case.faults.fail or case.faults.status429, sent)
    end)
  end
end)
