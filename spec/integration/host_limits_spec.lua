-- taskip-run's limits and exit codes. Each limit stops the script with
-- exit code 3 and a one-line reason; scripts that fail give 1; usage
-- and configuration errors give 2. All runs go at once in the
-- background against one emulator.
local env = require "support.env"
local q, write = env.quote, env.write

local RUN = env.bin("taskip-run")


local function read(path) return env.read(path) or "" end


-- Runs every case at once: case = {script = source, opts = "..."[,
-- wrap = a command prefix]}. Adds rc, out, err and seconds (wall time,
-- start to exit) to each case.
local function run_all(dir, m, cases)
  local jobs = {}
  for name, c in pairs(cases) do
    local base = dir .. "/" .. name
    write(base .. ".lua", c.script or "")
    local cmd = (c.env or ("TASKIP_SECRET_KEY=" .. q(env.KEY))) .. " " .. (c.wrap or "") .. RUN
      .. " --base-url " .. q(m.url) .. " --cafile " .. q(m.cafile) .. " "
      .. (c.opts or "") .. " " .. (c.file or q(base .. ".lua"))
    jobs[#jobs + 1] = "(s=$(date +%s%N); " .. cmd .. " >" .. q(base .. ".out") .. " 2>"
      .. q(base .. ".err") .. "; echo $? $(( ($(date +%s%N) - s) / 1000000 )) >"
      .. q(base .. ".rc") .. ") &"
  end
  jobs[#jobs + 1] = "wait"
  assert(os.execute(table.concat(jobs, "\n")))
  for name, c in pairs(cases) do
    local base = dir .. "/" .. name
    local rc, ms = read(base .. ".rc"):match("(%d+) (%d+)")
    c.rc, c.seconds = tonumber(rc), tonumber(ms) / 1000
    c.out, c.err = read(base .. ".out"), read(base .. ".err")
  end
end

local function one_line(s)
  local n = 0
  for _ in s:gmatch("[^\n]+") do n = n + 1 end
  return n == 1
end

-- The time-limit cases end by themselves only if the limit fires: a
-- broken limit is killed at KILL_AFTER (and fails on its exit status)
-- instead of hanging the suite.
local KILL_AFTER = 60

describe("taskip-run limits and exit codes", function()
  local m, dir
  local cases = {
    time = { script = "while true do end", opts = "--timeout 0.3",
      wrap = "timeout -s KILL " .. KILL_AFTER .. " " },
    time_io = { script = "sleep(30)", opts = "--timeout 0.3",
      wrap = "timeout -s KILL " .. KILL_AFTER .. " " },
    -- the reference for those two: the same start, 0.3 s of sleep and
    -- exit, in the same batch on the same (maybe busy) machine
    sleep_reference = { script = "sleep(0.3)" },
    instructions = { script = "local i = 0 while true do i = i + 1 end",
      opts = "--max-instructions 200000" },
    memory = { script = "local t = {} for i = 1, 1e8 do t[i] = ('x'):rep(100) .. i end",
      opts = "--max-memory 8" },
    output = { script = "for i = 1, 1e6 do print(i) end", opts = "--max-output 1000" },
    log_output = { script = "for i = 1, 1e6 do log.info(i) end", opts = "--max-output 1000" },
    requests = { script = "for i = 1, 3 do assert(taskip:get('/contact/' .. i)) end",
      opts = "--max-requests 2" },
    ok = { script = "print(taskip:get('/contact', { limit = 1 }).data[1].id)" },
    uncaught = { script = "error('boom')" },
    returned = { script = "return taskip:get('/contact/987654321')" },
    returned_error = { script = "local _, err = taskip:get('/contact/987654321') return err" },
    handled = { script = "local _, err = taskip:get('/contact/987654321')\n"
      .. "assert(err.kind == 'not_found') print('handled')" },
    syntax = { script = "this is not lua" },
    usage_no_script = { file = "" },
    usage_bad_option = { opts = "--max-memory lots" },
    usage_no_key = { env = "env -u TASKIP_SECRET_KEY", script = "print(1)" },
    usage_missing_file = { file = "/nonexistent/script.lua" },
    args = { script = "print(arg[0] ~= nil, arg[1], arg[2], select('#', ...))",
      file = "ARGS" },
  }

  lazy_setup(function()
    m = env.mock()
    dir = env.tmpdir()
    cases.args.file = q(dir .. "/args.lua") .. " one two"
    run_all(dir, m, cases)
  end)

  lazy_teardown(function()
    if dir then os.execute("rm -rf " .. q(dir)) end
    if m then m:stop() end
  end)

  local function limit(name, reason, logs)
    local c = cases[name]
    assert.are.equal(3, c.rc, c.err)
    local last = c.err:match("([^\n]*)\n$")
    assert.truthy(last:find(reason, 1, true), c.err)
    if not logs then assert.truthy(one_line(c.err), c.err) end
  end

  -- A limit that fires ends the run about when a 0.3 s sleep would end
  -- it. How long that takes depends on how busy the machine is, so the
  -- bound is relative to the reference run of the same batch, with a
  -- generous margin; a limit that never fired (30 s, or killed at
  -- KILL_AFTER) or fired seconds late still fails it.
  local function in_time(name)
    local ref = cases.sleep_reference
    assert.are.equal(0, ref.rc, ref.err)
    local c = cases[name]
    local bound = 2 * ref.seconds + 1
    assert.is_true(c.seconds < bound, ("%s: %.2f s, the 0.3 s reference %.2f s (bound %.2f s)")
      :format(name, c.seconds, ref.seconds, bound))
  end

  it("a script over the wall-clock limit stops with exit 3", function()
    limit("time", "time limit (0.3 s) exceeded")
    in_time("time")
  end)

  it("the wall-clock limit counts waits (sleep, I/O) too", function()
    limit("time_io", "time limit (0.3 s) exceeded")
    in_time("time_io")
  end)

  it("a script over the instruction budget stops with exit 3", function()
    limit("instructions", "instruction limit (200000) exceeded")
  end)

  it("a script over the memory limit stops with exit 3", function()
    limit("memory", "memory limit (8 MB) exceeded")
  end)

  it("a script over the output limit stops with exit 3 (print and log)", function()
    limit("output", "output limit (1000 bytes) exceeded")
    assert.is_true(#cases.output.out <= 1000)
    limit("log_output", "output limit (1000 bytes) exceeded", true)
  end)

  it("a script over the request limit stops with exit 3, the extra call unsent", function()
    limit("requests", "request limit (2) exceeded")
    local sent = {}
    for _, r in ipairs(env.requests(m)) do sent[r.path] = true end
    assert.is_true(sent["/api/public-v1/contact/1"] and sent["/api/public-v1/contact/2"])
    assert.is_nil(sent["/api/public-v1/contact/3"])
  end)

  it("exits 0 when the script succeeds", function()
    assert.are.equal(0, cases.ok.rc, cases.ok.err)
    assert.truthy(cases.ok.out:match("^%d+\n$"), cases.ok.out)
  end)

  it("exits 1 on an uncaught error, with the message", function()
    assert.are.equal(1, cases.uncaught.rc)
    assert.truthy(cases.uncaught.err:find(":1: boom", 1, true), cases.uncaught.err)
  end)

  it("exits 1 when the chunk returns nil, err or an error object (an unhandled API error)",
    function()
      for _, name in ipairs { "returned", "returned_error" } do
        local c = cases[name]
        assert.are.equal(1, c.rc, name)
        assert.truthy(c.err:find("taskip: not_found: ", 1, true), c.err)
        assert.truthy(c.err:find("(HTTP 404)", 1, true), c.err)
      end
      assert.are.equal(0, cases.handled.rc, cases.handled.err)
    end)

  it("exits 1 on a syntax error", function()
    assert.are.equal(1, cases.syntax.rc)
    assert.truthy(cases.syntax.err:find("syntax error", 1, true)
      or cases.syntax.err:find("near", 1, true), cases.syntax.err)
  end)

  it("exits 2 on usage and configuration errors", function()
    for _, name in ipairs { "usage_no_script", "usage_bad_option", "usage_no_key",
                            "usage_missing_file" } do
      assert.are.equal(2, cases[name].rc, name .. ": " .. cases[name].err)
    end
    assert.truthy(cases.usage_no_key.err:find("TASKIP_SECRET_KEY", 1, true))
  end)

  it("passes arguments as arg and ...", function()
    assert.are.equal("true\tone\ttwo\t2\n", cases.args.out, cases.args.err)
  end)

  it("--help and --version exit 0", function()
    local out, code = env.run(RUN .. " --help")
    assert.are.equal(0, code)
    assert.truthy(out:find("usage: taskip-run", 1, true))
    out, code = env.run(RUN .. " --version")
    assert.are.equal(0, code)
    assert.truthy(out:find("taskip-run 0", 1, true))
  end)
end)
