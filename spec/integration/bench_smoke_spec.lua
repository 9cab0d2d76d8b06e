-- make bench-smoke: every benchmark row of bench/ with tiny counts, so
-- the benchmark code cannot rot. Timings are not checked here: the
-- timed runs are `make bench` (bench/RESULTS.md).
local env = require "support.env"

describe("benchmarks", function()
  it("make bench-smoke runs every row: nginx, the emulator, the compared tools", function()
    local out, code = env.run("make -s bench-smoke")
    assert.equal(0, code, out)
    for i = 1, 5 do
      assert.is_truthy(out:find("row " .. i .. ": ok", 1, true), "row " .. i .. "\n" .. out)
    end
    assert.is_truthy(out:find("rows run: 1 2 3 4 5", 1, true), out)
    -- every comparison of the table has its figure
    for _, label in ipairs { "C loop, one libcurl handle", "Python requests.Session",
      "LuaSec ssl.https", "curl CLI per call", "taskip raw", "ideal ceil(",
      "sequential (concurrency 1)", "all completed: yes", "peak RSS", "spawn per script",
      "idle memory per script", "taskip-run", "python3 + requests", "curl CLI:",
      "step(0) with 100 requests in flight", "same steps, wall time", "per call" } do
      assert.is_truthy(out:find(label, 1, true), label .. "\n" .. out)
    end
  end)
end)
