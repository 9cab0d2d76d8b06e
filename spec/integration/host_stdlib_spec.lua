-- The sandbox's own versions of table.insert/remove/move/concat/unpack,
-- string.rep, table.sort (Lua), load and xpcall answer as Lua's: the
-- same script runs under lua5.4 and under taskip-run, and the outputs
-- must match line by line (addresses and argument numbers aside: the
-- latter differ between 5.4 releases).
local env = require "support.env"
local q = env.quote

local SCRIPT = "spec/fixtures/stdlib_conformance.lua"

local function run(cmd)
  local p = assert(io.popen(cmd .. " 2>&1"))
  local out = p:read("*a")
  p:close()
  return (out:gsub("0x%x+", "ADDR"):gsub("bad argument #%d+", "bad argument #N"))
end

local function lines(s)
  local t = {}
  for l in s:gmatch("[^\n]*") do t[#t + 1] = l end
  return t
end

describe("the sandbox's library functions", function()
  it("answer as Lua's own, results and errors", function()
    local want = run("lua5.4 " .. q(SCRIPT))
    local got = run("TASKIP_SECRET_KEY=" .. q(env.KEY) .. " " .. env.bin("taskip-run")
      .. " --base-url https://127.0.0.1:9/api " .. q(SCRIPT))
    assert.is_true(#lines(want) > 50, want)
    assert.are.same(lines(want), lines(got))
  end)
end)
