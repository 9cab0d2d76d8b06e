-- The canary sweep, enforced on every run: scripts/canary.sh (the whole
-- of which is `make canary`) over the specs that handle the key most
-- (key_spec, host_key_spec, host_capabilities_spec, faults_spec,
-- examples_spec) with a canary key, plus the emulator CLI, taskip-run
-- over every example with --verbose/--json-log/--dry-run, the
-- embedding example and a debug trace: the canary appears in no
-- captured output, raw, URL-encoded or base64. And the search itself
-- is checked: it finds every form of a key planted on purpose.
local env = require "support.env"
local canary = require "support.canary"

local SPECS = table.concat({
  "spec/integration/key_spec.lua", "spec/integration/host_key_spec.lua",
  "spec/integration/host_capabilities_spec.lua", "spec/integration/faults_spec.lua",
  "spec/integration/examples_spec.lua",
}, " ")

describe("the canary sweep", function()
  local KEY = "taskip-CANARY-5e1f+Q/k=zx.7"

  it("finds the key raw, URL-encoded and base64 at every alignment, and nothing else", function()
    assert.same({ "raw" }, canary.scan("x" .. KEY .. "y", KEY))
    assert.same({ "url-encoded" }, canary.scan("k=" .. canary.urlencode(KEY), KEY))
    assert.same({ "url-encoded (lowercase hex)" },
      canary.scan(canary.urlencode(KEY, true), KEY))
    for shift = 0, 2 do
      for tail = 0, 2 do
        local text = canary.base64(("p"):rep(shift) .. KEY .. ("s"):rep(tail))
        assert.same({ "base64/" .. shift }, canary.scan("Basic " .. text, KEY), text)
      end
    end
    assert.same({}, canary.scan(canary.base64(KEY:sub(1, 8)) .. KEY:sub(2), KEY))
  end)

  it("a planted leak fails the sweep", function()
    local dir = env.tmpdir()
    env.write(dir .. "/leak_spec.lua", [[
      local env = require "support.env"
      local canary = require "support.canary"
      it("prints the key, encoded", function()
        assert(env.sh("echo " .. canary.base64("ab" .. env.KEY)))
      end)
    ]])
    local out, code = env.sh("CANARY_TOOLS=0 CANARY_SPECS=" .. env.quote(dir .. "/leak_spec.lua")
      .. " TASKIP_CANARY=" .. env.quote(KEY) .. " bash scripts/canary.sh")
    os.execute("rm -rf " .. env.quote(dir))
    local kept = out:match("outputs kept in (%S+)")
    if kept and kept:find("^/tmp/taskip%-canary%.") then os.execute("rm -rf " .. kept) end
    assert.equal(1, code, out)
    assert.truthy(out:find("LEAK [^\n]*captured%.log: base64/2"), out)
  end)

  it("the key is in no captured output of the key specs, the tools and the examples", function()
    local out, code = env.sh("CANARY_SPECS=" .. env.quote(SPECS) .. " bash scripts/canary.sh")
    assert.equal(0, code, out)
    assert.truthy(out:find("canary: clean", 1, true), out)
    assert.truthy(out:find("0 with the key", 1, true), out)
    assert.is_nil(out:find("LEAK", 1, true), out)
  end)
end)
