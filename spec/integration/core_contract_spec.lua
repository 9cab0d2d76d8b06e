-- One contract, every implementation of taskip.core: the checks of
-- spec/contract/core_contract.lua (docs/core-contract.md) run against
-- the blocking binding in this process and against the script host's
-- core inside a sandboxed script; the OpenResty one runs them inside
-- nginx (openresty_spec.lua). They must pass the same cases.
local env = require "support.env"
local core = require "taskip.core"

local CONTRACT = "spec/contract/core_contract.lua"
local contract = assert(loadfile(CONTRACT))()

local function results_of(iter)
  local out = {}
  for name, ok, why in iter do out[#out + 1] = { name = name, ok = ok, why = why } end
  return out
end

local function assert_all_pass(results, names)
  local got = {}
  for _, r in ipairs(results) do
    got[#got + 1] = r.name
    assert(r.ok, r.name .. ": " .. tostring(r.why))
  end
  assert.same(names, got)
end

describe("the taskip.core contract", function()
  local m

  setup(function() m = env.mock() end)
  teardown(function() m:stop() end)
  before_each(function() m:reset() end)

  it("holds for the blocking binding (libcurl easy)", function()
    local c = core.new { secret_key = env.KEY, base_url = m.url,
      cafile = m.cafile, retry_backoff = 0.01 }
    assert_all_pass(results_of(contract.run(core, c)), contract.names(true))
  end)

  it("holds for the script host's core (libcurl multi, in the sandbox)", function()
    local dir = env.tmpdir()
    local script = dir .. "/contract.lua"
    env.write(script, "local contract = (function()\n" .. env.read(CONTRACT)
      .. "\nend)()\n" .. [[
for name, ok, why in contract.run(nil, taskip._core) do
  print((ok and "PASS" or "FAIL") .. "\t" .. name .. "\t" .. tostring(why or ""))
end
]])
    local out, code = env.sh("TASKIP_SECRET_KEY=" .. env.quote(env.KEY) .. " "
      .. env.bin("taskip-run") .. " --base-url " .. env.quote(m.url)
      .. " --cafile " .. env.quote(m.cafile) .. " " .. env.quote(script) .. " 2>&1")
    os.execute("rm -rf " .. env.quote(dir))
    assert.equal(0, code, out)
    local results = {}
    for status, name, why in out:gmatch("(%u+)\t([^\t\n]*)\t([^\n]*)") do
      results[#results + 1] = { name = name, ok = status == "PASS", why = why }
    end
    assert_all_pass(results, contract.names(false))
  end)
end)
