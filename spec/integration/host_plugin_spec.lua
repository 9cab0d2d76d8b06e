-- The host as a plugin runtime, through the C++ engine example
-- (examples/embed/plugin_engine.cpp, built by make as
-- build/plugin-engine): a synchronous and an asynchronous engine
-- function, events, structured results, and two scripts with keys of
-- their own against the emulator, one valid, one refused.
local env = require "support.env"

local q = env.quote

describe("examples/embed/plugin_engine.cpp", function()
  local m

  setup(function() m = env.mock() end)
  teardown(function() m:stop() end)

  it("runs two scripts with their own keys: the valid one succeeds, "
    .. "the other ends with kind auth; results and events reach the engine", function()
    local out, code = env.sh(string.format(
      "TASKIP_SECRET_KEY=%s TASKIP_LUA_DIR=lua %s %s %s",
      q(env.KEY), q(env.bin("plugin-engine")), q(m.url), q(m.cafile)))
    assert.equal(0, code, out)
    assert.matches("notify: script 1: hello from account%-a", out)
    assert.matches("notify: script 2: hello from account%-b", out)
    -- the asynchronous function answered a few frames later
    assert.matches('event: script 1: progress {[^\n]*"enemies":12', out)
    assert.matches('event: script 1: progress {"step":"contacts read"}', out)
    assert.not_matches('event: script 2: progress {"step":"contacts read"}', out, 1, true)
    -- structured results: integers stay integers, floats floats
    local r1 = out:match("result: script 1: ([^\n]*)")
    assert.matches('exit 0 kind ""', r1, 1, true)
    assert.matches('"enemies":12', r1, 1, true)
    assert.matches('"ratio":1.5', r1, 1, true)
    assert.matches('"level":"forest"', r1, 1, true)
    local r2 = out:match("result: script 2: ([^\n]*)")
    assert.matches('exit 1 kind "auth"', r2, 1, true)
    assert.matches("HTTP 401", r2, 1, true)
    -- the error object it returned crosses as data
    assert.matches('values [null,{', r2, 1, true)
    assert.matches('"kind":"auth"', r2, 1, true)
    assert.matches('"status":401', r2, 1, true)
    local frames = tonumber(out:match("frames: (%d+)"))
    assert.is_true(frames >= 3, out)
    assert.is_false(env.contains(out, env.KEY))
  end)
end)
