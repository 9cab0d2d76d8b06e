-- libtaskip.so for embedders: installed with a pkg-config file, it is all
-- a C++ program needs (pkg-config --cflags --libs taskip); it exports only
-- taskip_*, and carries its Lua 5.4 hidden, so a program that embeds
-- LuaJIT runs a script through the host next to its own LuaJIT state
-- (examples/embed/luajit_engine.cpp).
local env = require "support.env"

local q = env.quote
local ROOT = (env.sh("pwd"):gsub("%s+$", ""))

local SCRIPT = [[
local n = 0
for contact, err in taskip.contact:each { limit = 3 } do
  if not contact then error(tostring(err)) end
  n = n + 1
end
print("contacts " .. n)
local v = json.decode('{"id": 124, "tags": ["a", null], "s": "x\\/y\\u00e9"}')
print("/contact/" .. v.id, #v.tags, v.tags[2] == json.null, v.s)
print(json.encode({ list = { 1, 2.5, "a/b", false } }))
print(json.encode({}), (select(2, json.decode("[1,"))) ~= nil)
]]

describe("libtaskip.so", function()
  local dir, m

  setup(function()
    dir = env.tmpdir()
    m = env.mock()
    local out, code = env.sh("make -s -j1 install PREFIX=" .. q(dir .. "/prefix"))
    assert.equal(0, code, out)
    env.write(dir .. "/job.lua", SCRIPT)
  end)
  teardown(function()
    m:stop()
    env.sh("rm -rf " .. q(dir))
  end)

  it("exports taskip_* and nothing else", function()
    local out, code = env.sh("nm -D --defined-only " .. q(dir .. "/prefix/lib/libtaskip.so"))
    assert.equal(0, code, out)
    local n = 0
    for name in out:gmatch("%x+ %a ([^\n]+)") do
      n = n + 1
      assert.matches("^taskip_", name)
    end
    assert.is_true(n > 20, out)
    for _, fn in ipairs { "taskip_host_new", "taskip_host_step", "taskip_client_new" } do
      assert.matches(" " .. fn .. "\n", out)
    end
  end)

  it("a C++ program with its own LuaJIT, built with pkg-config alone, "
    .. "runs a script through the host", function()
    local prefix = dir .. "/prefix"
    local out, code = env.sh(string.format(
      "cd %s && export PKG_CONFIG_PATH=%s && "
        .. "c++ -std=c++11 -Wall -Werror -o engine %s "
        .. "$(pkg-config --cflags --libs taskip) $(pkg-config --cflags --libs luajit)",
      q(dir), q(prefix .. "/lib/pkgconfig"), q(ROOT .. "/examples/embed/luajit_engine.cpp")))
    assert.equal(0, code, out)
    local ldd = env.sh("LD_LIBRARY_PATH=" .. q(prefix .. "/lib") .. " ldd " .. q(dir .. "/engine"))
    assert.matches("libtaskip%.so%.0 => " .. (prefix .. "/lib"):gsub("%p", "%%%0"), ldd)
    assert.matches("libluajit", ldd)
    assert.is_nil(ldd:match("liblua5%.4"), ldd)

    m:reset()
    out, code = env.sh(string.format(
      "cd / && env -u LUA_PATH -u LUA_CPATH -u TASKIP_LUA_DIR LD_LIBRARY_PATH=%s "
        .. "TASKIP_SECRET_KEY=%s %s %s %s %s",
      q(prefix .. "/lib"), q(env.KEY), q(dir .. "/engine"), q(dir .. "/job.lua"),
      q(m.url), q(m.cafile)))
    assert.equal(0, code, out)
    assert.matches("script: contacts %d+\n", out)
    assert.matches("script: /contact/124\t2\ttrue\tx/y\195\169\n", out, 1, true)
    assert.matches('script: {"list":[1,2.5,"a\\/b",false]}\n', out, 1, true)
    assert.matches("script: {}\ttrue\n", out, 1, true)
    assert.matches("engine: LuaJIT 2%.1[^\n]*, %d+ frames", out)
    local seen = env.requests(m)
    assert.is_true(#seen >= 1)
    assert.is_true(seen[1].key_valid)
  end)
end)
