-- Every attack of sandbox-attacks.md, run twice: through the taskip-run
-- binary, and through the C API (build/host-driver) in ONE host next to
-- a benign script, which must still finish: the host and its other
-- scripts go on. Each spec/attacks/*.lua names its attack and states
-- what must happen in its first two lines:
--   -- name: <attack>
--   -- expect: exit=<code> [out=<stdout line>] [reason=<text in reason>]
-- Everything runs at once in the background, so the suite takes about
-- as long as the slowest attack (the time limit). Time bounds leave out
-- what the machine's load adds: a taskip-run stopped at its time limit
-- must exit within --timeout + 1 s of the moment its script started
-- (the host's own "started" log line, so start-up is not counted); a
-- host-driver step must not overrun its timeout by more than 50 ms of
-- thread CPU time (wall time on a shared machine also holds whatever
-- else runs). Under the sanitizers (env.SLOW) both margins scale.
local env = require "support.env"
local q, write = env.quote, env.write

local RUN, DRIVER = env.bin("taskip-run"), env.bin("host-driver")
local TIMEOUT = tostring(2 * env.SLOW) -- seconds, for the CPU attacks
local LONG_TIMEOUT = tostring(30 * env.SLOW) -- for the others
local SMALL_MEMORY = "16"          -- MB, for the memory attacks
local STEP_MS = 10                 -- host-driver's step(h, 10)

local function read(path) return env.read(path) or "" end



local function base64(s)
  local b = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
  return ((s:gsub(".", function(c)
    local r, byte = "", c:byte()
    for i = 8, 1, -1 do r = r .. (byte % 2 ^ i - byte % 2 ^ (i - 1) > 0 and "1" or "0") end
    return r
  end) .. "0000"):gsub("%d%d%d?%d?%d?%d?", function(x)
    if #x < 6 then return "" end
    local c = 0
    for i = 1, 6 do c = c + (x:sub(i, i) == "1" and 2 ^ (6 - i) or 0) end
    return b:sub(c + 1, c + 1)
  end) .. ({ "", "==", "=" })[#s % 3 + 1])
end

-- The attack files with their expectations.
local function load_attacks()
  local list = {}
  local p = io.popen("ls spec/attacks/*.lua")
  for file in p:lines() do
    local src = read(file)
    local a = { file = file, id = file:match("([^/]+)%.lua$") }
    a.name = src:match("%-%- name: ([^\n]+)")
    local expect = src:match("%-%- expect: ([^\n]+)")
    a.exit = tonumber(expect:match("exit=(%d+)"))
    a.out = expect:match("out=(%S+)")
    a.reason = expect:match("reason=(.+)$")
    a.memory = a.id:match("^g27") ~= nil
    a.cpu = a.reason ~= nil and a.reason:find("time limit") ~= nil
    list[#list + 1] = a
  end
  p:close()
  return list
end

-- Parses host-driver output: done[idx] = {code, reason}, out[idx] = {lines}.
local function parse_driver(text)
  local r = { done = {}, out = {}, log = {} }
  for line in text:gmatch("[^\n]+") do
    local kind, idx, rest = line:match("^(%a+)\t(%d+)\t(.*)$")
    if kind == "done" then
      local code, reason = rest:match("^(%-?%d+)\t(.*)$")
      r.done[tonumber(idx)] = { code = tonumber(code), reason = reason }
    elseif kind == "steps" then
      local wall, cpu = rest:match("^([%d.]+)\t([%d.]+)")
      r.worst_ms, r.worst_cpu_ms = tonumber(wall), tonumber(cpu)
    elseif kind == "out" or kind == "log" then
      local t = r[kind][tonumber(idx)] or {}
      t[#t + 1] = rest
      r[kind][tonumber(idx)] = t
    end
  end
  return r
end

describe("host sandbox attacks", function()
  local m, redirect_mock, dir, attacks, runs
  local drivers = {}

  lazy_setup(function()
    m = env.mock()
    -- a contact whose name echoes the key (for e18), in both spellings
    local c = env.client(m)
    assert(c:post("/contact", { first_name = "echo", last_name = env.KEY .. " "
      .. base64(env.KEY), email = "echo@example.com" }))
    c:close()
    redirect_mock = env.mock { faults = { redirect = m.url:gsub("/api/public%-v1$", "")
      .. "/elsewhere" } }
    dir = env.tmpdir()
    write(dir .. "/b05_binary.lua", "\27Lua\84\0this is bytecode, not text")
    attacks = load_attacks()
    attacks[#attacks + 1] = { file = dir .. "/b05_binary.lua", id = "b05_binary",
      name = "a script file holding bytecode is refused: the C loader passes mode \"t\"",
      exit = 1, reason = "attempt to load a binary chunk" }

    local jobs = {}
    local function job(cmd, out)
      jobs[#jobs + 1] = "(s=$(date +%s.%N); " .. cmd .. " >" .. q(out .. ".out") .. " 2>"
        .. q(out .. ".err") .. "; echo $? >" .. q(out .. ".rc")
        .. "; echo \"$s $(date +%s.%N)\" >" .. q(out .. ".time") .. ") &"
    end
    local function target(mock)
      return "--base-url " .. q(mock.url) .. " --cafile " .. q(mock.cafile)
    end
    -- taskip-run, one process per attack
    for _, a in ipairs(attacks) do
      if not a.id:match("^z_") then
        local mock = a.id == "e17_redirect" and redirect_mock or m
        local opts = target(mock) .. " --timeout " .. (a.cpu and TIMEOUT or LONG_TIMEOUT)
        if a.cpu then opts = opts .. " --json-log --verbose" end   -- "started" with a time
        if a.memory then opts = opts .. " --max-memory " .. SMALL_MEMORY end
        -- the spinners a little nicer than the C-API hosts (whose benign
        -- scripts must finish meanwhile), not so nice that a busy machine
        -- starves them between their limit and their exit
        job((a.cpu and "nice -n 5 " or "") .. "env TASKIP_SECRET_KEY=" .. q(env.KEY) .. " "
          .. RUN .. " " .. opts .. " " .. q(a.file) .. " " .. q(env.KEY), dir .. "/run." .. a.id)
      end
    end
    -- the C API: three hosts, each with a benign script last
    local groups = { main = {}, memory = {}, redirect = {} }
    for _, a in ipairs(attacks) do
      if not a.id:match("^z_") then
        local g = a.memory and groups.memory or a.id == "e17_redirect" and groups.redirect
          or a.id == "b05_binary" and groups.redirect or groups.main
        g[#g + 1] = a
      end
    end
    local benign = { main = "spec/attacks/z_benign.lua", memory = "spec/attacks/z_benign.lua",
      redirect = "spec/attacks/z_offline.lua" }
    for name, g in pairs(groups) do
      local files = {}
      for i, a in ipairs(g) do
        files[i] = q(a.file)
        a.driver, a.index = name, i
      end
      files[#files + 1] = benign[name]
      local opts = target(name == "redirect" and redirect_mock or m)
        .. " --key " .. q(env.KEY) .. " --arg " .. q(env.KEY) .. " --lua-dir lua --timeout "
        -- the drivers outlive the taskip-run batch, whose spinners would
        -- otherwise starve the host's well-behaved scripts of CPU
        .. tostring((name == "memory" and 5 or 4) * env.SLOW)
      if name == "memory" then opts = opts .. " --max-memory " .. SMALL_MEMORY end
      job(DRIVER .. " " .. opts .. " " .. table.concat(files, " "), dir .. "/driver." .. name)
      drivers[name] = { count = #g + 1 }
    end
    jobs[#jobs + 1] = "wait"
    assert(os.execute(table.concat(jobs, "\n")))

    -- seconds from the script's start (its "started" JSON log line) to
    -- the process's exit
    local function seconds(base)
      local e = read(base .. ".time"):match("[%d.]+ ([%d.]+)")
      local started = read(base .. ".err"):match('"time":([%d.]+),"level":"debug",'
        .. '"script":%d+,"message":"started ')
      return e and started and tonumber(e) - tonumber(started)
    end
    runs = {}
    for _, a in ipairs(attacks) do
      local base = dir .. "/run." .. a.id
      runs[a.id] = { rc = tonumber(read(base .. ".rc")), out = read(base .. ".out"),
        err = read(base .. ".err"), seconds = seconds(base) }
    end
    for name, d in pairs(drivers) do
      local base = dir .. "/driver." .. name
      d.text = read(base .. ".out")
      d.err = read(base .. ".err")
      d.result = parse_driver(d.text)
    end
  end)

  lazy_teardown(function()
    if dir then os.execute("rm -rf " .. q(dir)) end
    if m then m:stop() end
    if redirect_mock then redirect_mock:stop() end
  end)

  local function check(a, code, out, reason)
    local where = a.id .. ": exit " .. tostring(code) .. ", out: " .. tostring(out)
      .. ", reason: " .. tostring(reason)
    assert.are.equal(a.exit, code, where)
    if a.out then assert.truthy(out:find(a.out, 1, true), where) end
    if a.reason then assert.truthy(reason:find(a.reason, 1, true), where) end
    assert.falsy(out:find(env.KEY, 1, true), "key in output")
    assert.falsy(reason:find(env.KEY, 1, true), "key in reason")
  end

  for _, a in ipairs(load_attacks()) do
    if not a.id:match("^z_") then
      it(a.name .. " [taskip-run]", function()
        local r = runs[a.id]
        check(a, r.rc, r.out, r.err)
        if a.cpu then
          assert.truthy(r.seconds, r.err)
          assert.is_true(r.seconds <= tonumber(TIMEOUT) + env.SLOW, string.format("%s: exit 3 "
            .. "%.2f s after its start, more than --timeout %s + %d s", a.id, r.seconds,
            TIMEOUT, env.SLOW))
        end
      end)
      it(a.name .. " [C API, next to a benign script]", function()
        local d = drivers[a.memory and "memory" or a.id == "e17_redirect" and "redirect"
          or "main"]
        local res = d.result
        local idx
        for i, x in ipairs(attacks) do
          if x.id == a.id then idx = attacks[i].index end
        end
        local done = res.done[idx]
        assert.truthy(done, "no verdict: " .. d.text .. d.err)
        check(a, done.code, table.concat(res.out[idx] or {}, "\n"), done.reason)
        local benign = res.done[d.count]
        assert.are.same({ code = 0, reason = "" }, benign, "benign script: " .. d.text)
        assert.are.same({ "ok" }, res.out[d.count])
        assert.truthy(res.worst_cpu_ms, d.text)
        assert.is_true(res.worst_cpu_ms <= STEP_MS + 50 * env.SLOW, string.format("a step(%d) took "
          .. "%.1f ms of CPU (%.1f ms wall)", STEP_MS, res.worst_cpu_ms, res.worst_ms))
      end)
    end
  end

  it("a script file holding bytecode is refused: the C loader passes mode \"t\"", function()
    local r = runs.b05_binary
    assert.are.equal(1, r.rc)
    assert.truthy(r.err:find("attempt to load a binary chunk (mode is 't')", 1, true), r.err)
    local res = drivers.redirect.result
    local idx
    for _, x in ipairs(attacks) do if x.id == "b05_binary" then idx = x.index end end
    assert.are.equal(1, res.done[idx].code)
    assert.are.equal(0, res.done[drivers.redirect.count].code)
  end)

  it("a redirect is never followed: nothing reaches the redirect target", function()
    for _, req in ipairs(env.requests(m)) do
      assert.falsy(tostring(req.path):find("elsewhere", 1, true), req.path)
    end
  end)

  it("an echoed key arrives as [REDACTED] in the script's output", function()
    local out = runs.e18_echo_scrubbed.out
    assert.truthy(out:find("[REDACTED]", 1, true), out)
    assert.falsy(out:find(env.KEY, 1, true))
    assert.falsy(out:find(base64(env.KEY), 1, true))
  end)

  it("print and log lines carry no escape codes; log lines stay single lines", function()
    local r = runs.j_log_injection
    -- print's \n starts a new output line (reports), everything else is escaped
    local want = "line\n[INFO] fake\\r\\x1B[31mred\\x1B[0m\\xC2\\x9Bx"
    assert.truthy(r.out:find(want, 1, true), r.out)
    assert.falsy(r.out:find("\27", 1, true))
    assert.falsy(r.err:find("\27", 1, true))
    for line in r.err:gmatch("[^\n]+") do
      assert.falsy(line:find("^%[error%] script 1: forged"), line)
    end
  end)
end)
