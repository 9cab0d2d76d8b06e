-- The rock: `make rock` writes a versioned rockspec and a .src.rock; the
-- .src.rock installs offline into a tree (lua-cjson comes from Debian,
-- hence --deps-mode=none); from that tree `require "taskip"` reaches the
-- emulator, and the tree's taskip-run --mock runs a script. `luarocks
-- test` runs the module's specs. A module built for another Lua fails at
-- require with a message naming both versions.
local env = require "support.env"

local q = env.quote
local VERSION = require("taskip").version

-- From the tree alone, with Debian's C modules (lua-cjson) after it.
local CHILD = [[
local taskip = require "taskip"
local mock = require "taskip.mock"
local m = assert(mock.start { secret_key = "test-key-not-a-secret-7f3a" })
local c = taskip.new { secret_key = "test-key-not-a-secret-7f3a",
  base_url = m.url, cafile = m.cafile }
local page = assert(c.contact:get(1))
print("from " .. package.searchpath("taskip.core", package.cpath))
print("requests " .. #m:stats().requests, type(page))
-- the script host for Lua applications, from the same tree
local host = require "taskip.host"
local h = assert(host.new { key = "test-key-not-a-secret-7f3a", base_url = m.url,
  cafile = m.cafile })
local id = assert(h:spawn { code = "print(#taskip.contact:list{ limit = 2 }.data)" })
h:run()
print("host " .. package.searchpath("taskip.host", package.cpath), h:result(id).exit_code)
m:stop()
]]

describe("make rock", function()
  local dir, tree

  setup(function()
    dir = env.tmpdir()
    tree = dir .. "/tree"
    local out, code = env.sh("make -s rock")
    assert.equal(0, code, out)
  end)
  teardown(function()
    env.sh("rm -rf " .. q(dir))
  end)

  it("writes taskip-<version>-1.rockspec, with the version of src/taskip.h, "
    .. "declaring lua-cjson", function()
    local spec = env.read("build/rock/taskip-" .. VERSION .. "-1.rockspec")
    assert.is_truthy(spec)
    assert.matches('version = "' .. VERSION:gsub("%p", "%%%0") .. '%-1"', spec)
    assert.matches('"lua%-cjson"', spec)
    local scm = env.read("build/rock/taskip-scm-1.rockspec")
    assert.matches('url = "git%+', scm)
  end)

  it("installs offline into a tree; require reaches the emulator; taskip-run --mock works",
    function()
    local out, code = env.sh(string.format(
      "cd %s && luarocks --lua-version 5.4 install %s --tree %s --deps-mode=none",
      q(dir), q(env.sh("pwd"):gsub("%s+$", "") .. "/build/rock/taskip-" .. VERSION
        .. "-1.src.rock"), q(tree)))
    assert.equal(0, code, out)
    for _, f in ipairs { "/bin/taskip-run", "/bin/taskip-mock",
      "/share/lua/5.4/taskip/init.lua", "/lib/lua/5.4/taskip/core.so",
      "/lib/lua/5.4/taskip/emulator.so", "/lib/lua/5.4/taskip/host.so" } do
      assert.is_truthy(io.open(tree .. f), f)
    end
    env.write(dir .. "/child.lua", CHILD)
    out, code = env.sh(string.format(
      "cd / && env -u LUA_PATH_5_4 -u LUA_CPATH_5_4 "
        .. "LUA_PATH='%s/share/lua/5.4/?.lua;%s/share/lua/5.4/?/init.lua;;' "
        .. "LUA_CPATH='%s/lib/lua/5.4/?.so;;' lua5.4 %s",
      tree, tree, tree, q(dir .. "/child.lua")))
    assert.equal(0, code, out)
    assert.matches("from " .. tree:gsub("%p", "%%%0") .. "/lib/lua/5.4/taskip/core.so", out)
    assert.matches("requests 1\ttable", out)
    assert.matches("host " .. tree:gsub("%p", "%%%0") .. "/lib/lua/5.4/taskip/host.so\t0", out)

    env.write(dir .. "/list.lua", env.read("examples/list_contacts.lua"))
    out, code = env.sh(string.format(
      "cd / && env -u LUA_PATH -u LUA_CPATH -u TASKIP_LUA_DIR %s/bin/taskip-run --mock %s",
      q(tree), q(dir .. "/list.lua")))
    assert.equal(0, code, out)
    assert.matches("27 contacts; %d+ of 1000 requests left", out)
  end)

  it("luarocks test runs the module's specs", function()
    local src = dir .. "/src"
    local out, code = env.sh(string.format(
      "mkdir -p %s && tar -C %s -xzf build/rock/taskip-%s.tar.gz && "
        .. "cp build/rock/taskip-%s-1.rockspec %s/ && "
        -- the rock's own build and specs: not the suite's build (make
        -- sanitize points TASKIP_BUILD and LUA_CPATH at build-asan)
        .. "cd %s/taskip-%s && env -u TASKIP_BUILD -u TASKIP_SLOW -u TASKIP_SANITIZER "
        .. "-u LUA_CPATH luarocks --lua-version 5.4 test %s/taskip-%s-1.rockspec",
      q(src), q(src), VERSION, VERSION, q(dir), q(src), VERSION, q(dir), VERSION))
    assert.equal(0, code, out)
    assert.matches("%d+ successes / 0 failures / 0 errors", out)
  end)

  it("a module built for Lua 5.1 fails at require naming both versions", function()
    local out, code = env.sh("make -s LUA=lua5.1 B=build/lua5.1 module")
    assert.equal(0, code, out)
    out = env.sh("lua5.4 -e 'package.cpath = \"build/lua5.1/?.so\" "
      .. "print(select(2, pcall(require, \"taskip.core\")))'")
    assert.matches("built for Lua 5%.1 %(or LuaJIT%) but this is Lua 5%.4", out)
    out = env.sh("luajit -e 'package.cpath = \"build/?.so\" "
      .. "print(select(2, pcall(require, \"taskip.core\")))'")
    assert.matches("built for Lua 5%.4 but this is Lua 5%.1", out)
  end)
end)
