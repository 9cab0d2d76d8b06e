-- The ways people get taskip: make demo, make install, luarocks make.
local env = require "support.env"

local function tmpdir()
  local out = env.run("mktemp -d")
  return (out:gsub("%s+$", ""))
end

-- Loads the installed module from tree (only), prints its version.
local function load_from(share, lib)
  return env.run(string.format(
    "env LUA_PATH='%s/?.lua;%s/?/init.lua;;' LUA_CPATH='%s/?.so;;' lua5.4 -e "
      .. "'local t = require \"taskip\"; io.write(t.version, \" \", "
      .. "package.searchpath(\"taskip.core\", package.cpath))'",
    share, share, lib))
end

describe("tools", function()
  it("make demo runs a script in the host against the emulator, with no account", function()
    local out, code = env.run("sh scripts/demo.sh")
    assert.equal(0, code, out)
    assert.matches("%d+  %S+ %S+ +%S+@example%.com", out)
    assert.matches("27 contacts; %d+ of 1000 requests left", out)
  end)

  it("make install PREFIX=DIR puts Lua files, C modules and programs in their places", function()
    local dir = tmpdir()
    local out, code = env.run("make -s install PREFIX=" .. dir)
    assert.equal(0, code, out)
    for _, f in ipairs { "/share/lua/5.4/taskip/init.lua", "/share/lua/5.4/taskip/mock/server.lua",
      "/lib/lua/5.4/taskip/core.so", "/lib/lua/5.4/taskip/emulator.so", "/bin/taskip-mock" } do
      assert.is_truthy(io.open(dir .. f), f)
    end
    local loaded = load_from(dir .. "/share/lua/5.4", dir .. "/lib/lua/5.4")
    assert.equal(require("taskip").version .. " " .. dir .. "/lib/lua/5.4/taskip/core.so",
      loaded)
    env.run("rm -rf " .. dir)
  end)

  it("make install honours DESTDIR", function()
    local dir = tmpdir()
    local out, code = env.run("make -s install PREFIX=/opt/tk DESTDIR=" .. dir)
    assert.equal(0, code, out)
    assert.is_truthy(io.open(dir .. "/opt/tk/lib/lua/5.4/taskip/core.so"))
    env.run("rm -rf " .. dir)
  end)

  -- lua-cjson comes from Debian, which LuaRocks does not know: --deps-mode=none
  it("luarocks make installs the module offline from the rockspec", function()
    local dir = tmpdir()
    local out, code = env.run(string.format(
      "cp -r Makefile src lua rockspec scripts %s/ && cd %s && "
        .. "luarocks --lua-version 5.4 --tree %s/tree make --deps-mode=none "
          .. "rockspec/taskip-scm-1.rockspec",
      dir, dir, dir))
    assert.equal(0, code, out)
    local loaded = load_from(dir .. "/tree/share/lua/5.4", dir .. "/tree/lib/lua/5.4")
    assert.matches("^%d+%.%d+%.%d+ " .. dir:gsub("%p", "%%%0") .. "/tree/", loaded)
    env.run("rm -rf " .. dir)
  end)
end)
