-- The key rules of taskip-run: read from TASKIP_SECRET_KEY (then wiped
-- from the process environment) or from a key file that only its owner
-- can read; sent to the emulator, visible nowhere else.
local env = require "support.env"
local q, sh = env.quote, env.sh

local RUN = env.bin("taskip-run")


local function write(path, s, mode)
  local f = assert(io.open(path, "wb"))
  f:write(s)
  f:close()
  if mode then assert(os.execute("chmod " .. mode .. " " .. q(path))) end
end


describe("taskip-run and the key", function()
  local m, dir, target

  lazy_setup(function()
    m = env.mock()
    dir = env.tmpdir()
    target = " --base-url " .. q(m.url) .. " --cafile " .. q(m.cafile) .. " "
    write(dir .. "/get.lua", "assert(taskip:get('/contact', { limit = 1 })) print('sent')")
    -- uses the key, says so, then waits to be killed
    write(dir .. "/held.lua", "assert(taskip:get('/contact', { limit = 1 })) print('sent') "
      .. "sleep(300)")
  end)

  lazy_teardown(function()
    if dir then os.execute("rm -rf " .. q(dir)) end
    if m then m:stop() end
  end)

  it("TASKIP_SECRET_KEY is removed from the process environment once read", function()
    -- The environment is read once the script has sent a call with the
    -- key and while it still runs (it then sleeps until killed here):
    -- neither a slow start nor an early exit can make the check miss.
    local log = q(dir .. "/held.out")
    local out = sh("TASKIP_SECRET_KEY=" .. q(env.KEY) .. " " .. RUN .. target
      .. q(dir .. "/held.lua") .. " >" .. log .. " 2>&1 & pid=$!; "
      .. "for i in $(seq 1 600); do grep -q sent " .. log .. " && break; sleep 0.1; done; "
      .. "if [ -r /proc/$pid/environ ]; then echo RUNNING; fi; "
      .. "if grep -qa " .. q(env.KEY) .. " /proc/$pid/environ; then echo LEAK; fi; "
      .. "kill $pid; wait $pid; cat " .. log)
    assert.falsy(out:find("LEAK", 1, true), out)
    assert.truthy(out:find("RUNNING", 1, true), out)
    assert.truthy(out:find("sent", 1, true), out)
  end)

  it("the key reaches the emulator, valid, in the header only", function()
    local before = #env.requests(m)
    local out, code = sh("TASKIP_SECRET_KEY=" .. q(env.KEY) .. " " .. RUN .. " --verbose"
      .. target .. q(dir .. "/get.lua"))
    assert.are.equal(0, code, out)
    local reqs = env.requests(m)
    local last = reqs[#reqs]
    assert.is_true(#reqs > before and last.key_present and last.key_valid)
    assert.falsy(out:find(env.KEY, 1, true), out)
  end)

  it("a key file readable by group or others is refused (exit 2)", function()
    write(dir .. "/key.loose", env.KEY .. "\n", "644")
    local out, code = sh("env -u TASKIP_SECRET_KEY " .. RUN .. target .. "--key-file "
      .. q(dir .. "/key.loose") .. " " .. q(dir .. "/get.lua"))
    assert.are.equal(2, code, out)
    assert.truthy(out:find("chmod 600", 1, true), out)
    assert.falsy(out:find("sent", 1, true))
    write(dir .. "/key.group", env.KEY, "640")
    out, code = sh("env -u TASKIP_SECRET_KEY " .. RUN .. target .. "--key-file "
      .. q(dir .. "/key.group") .. " " .. q(dir .. "/get.lua"))
    assert.are.equal(2, code, out)
  end)

  -- timeout 5: opening a FIFO for reading waits for a writer, so a
  -- blocking open shows as exit 124 instead of a refusal
  for _, case in ipairs {
    { what = "a FIFO", make = "mkfifo -m 600 %s" },
    { what = "a directory", make = "mkdir -m 700 %s" },
  } do
    it("a key file that is " .. case.what .. " is refused at once (exit 2), never read", function()
      local path = dir .. "/key." .. case.what:gsub("%W", "")
      assert(os.execute(case.make:format(q(path))))
      local out, code = sh("timeout 5 env -u TASKIP_SECRET_KEY " .. RUN .. target
        .. "--key-file " .. q(path) .. " " .. q(dir .. "/get.lua"))
      assert.are.equal(2, code, out)
      assert.truthy(out:find("--key-file " .. path .. ": not a regular file ("
        .. case.what .. ")", 1, true), out)
      assert.falsy(out:find("sent", 1, true), out)
    end)
  end

  it("a key file of mode 600 is used", function()
    write(dir .. "/key", env.KEY .. "\n", "600")
    local out, code = sh("env -u TASKIP_SECRET_KEY " .. RUN .. target .. "--key-file "
      .. q(dir .. "/key") .. " " .. q(dir .. "/get.lua"))
    assert.are.equal(0, code, out)
    assert.truthy(out:find("sent", 1, true))
  end)

  it("a wrong key gives the script an auth error, and the key shows in no log line", function()
    write(dir .. "/auth.lua", "local _, err = taskip:get('/contact') print(err.kind)")
    local out, code = sh("TASKIP_SECRET_KEY=wrong-key-but-long-enough-5c1d " .. RUN
      .. " --verbose --json-log" .. target .. q(dir .. "/auth.lua"))
    assert.are.equal(0, code, out)
    assert.truthy(out:find("auth", 1, true), out)
    assert.falsy(out:find("wrong-key-but-long-enough-5c1d", 1, true), out)
  end)

  it("--mock runs a script with no account and no key", function()
    local out, code = sh("env -u TASKIP_SECRET_KEY " .. RUN .. " --mock " .. q(dir .. "/get.lua"))
    assert.are.equal(0, code, out)
    assert.truthy(out:find("sent", 1, true))
  end)
end)
