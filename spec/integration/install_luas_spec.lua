-- make install LUA=luajit|lua5.1|lua5.3: the module alone, for that Lua,
-- under share/lua/<v> and lib/lua/<v>, working from there: ids decoded
-- from JSON build /contact/124, a refused connection is a network error,
-- and a request reaches the emulator (served from this 5.4 process)
-- with the key, over TLS.
local env = require "support.env"

local LUAS = { luajit = "5.1", ["lua5.1"] = "5.1", ["lua5.3"] = "5.3" }

-- Run by the installed Lua with arguments: emulator URL, its CA file and
-- a closed loopback port. The key comes from TASKIP_SECRET_KEY.
local CHILD = [[
local taskip = require "taskip"
local query = require "taskip.query"
local url, cafile, closed = ...
local id = taskip.json.decode('{"id":124}').id
print("path=/contact/" .. query.number(id))
print("concat=/contact/" .. id)
local c = taskip.new { secret_key = "test-key-not-real", allow_http = true,
  base_url = "http://127.0.0.1:" .. closed .. "/api", max_retries = 0 }
local v, err = c.contact:get(id)
print("closed=" .. tostring(v) .. " " .. tostring(err and err.kind))
local d = taskip.new { base_url = url, cafile = cafile, max_retries = 0 }
local _, meta_or_err = d.contact:get(id)
print("emulator=" .. tostring(meta_or_err.status))
]]

local function field(out, name)
  return out:match(name .. "=([^\n]*)")
end

describe("make install for another Lua", function()
  local m, closed

  setup(function()
    m = env.mock()
    local gone = env.mock()          -- a loopback port nothing listens on
    closed = gone.port
    gone:stop()
  end)
  teardown(function() m:stop() end)

  for lua, v in pairs(LUAS) do
    it("LUA=" .. lua .. " installs a working module under */lua/" .. v .. " only", function()
      local dir = env.tmpdir()
      local out, code = env.run("make -s install PREFIX=" .. dir .. " LUA=" .. lua)
      assert.equal(0, code, out)
      local share, lib = dir .. "/share/lua/" .. v, dir .. "/lib/lua/" .. v
      for _, f in ipairs { share .. "/taskip/init.lua", share .. "/taskip/query.lua",
        lib .. "/taskip/core.so" } do
        assert.is_truthy(io.open(f), f)
      end
      -- the emulator and the tools stay 5.4's
      assert.is_nil(io.open(share .. "/taskip/mock.lua"))
      assert.is_nil(io.open(lib .. "/taskip/emulator.so"))
      assert.is_nil(io.open(dir .. "/bin/taskip-run"))

      env.write(dir .. "/child.lua", CHILD)
      m:reset()
      out, code = env.sh(string.format(
        "cmod=$(pkg-config --variable=INSTALL_CMOD %s) && "
          .. "env -u LUA_PATH_5_3 -u LUA_CPATH_5_3 -u LUA_INIT "
          .. "LUA_PATH='%s/?.lua;%s/?/init.lua' LUA_CPATH=\"%s/?.so;$cmod/?.so\" "
          .. "TASKIP_SECRET_KEY=%s %s %s/child.lua %s %s %d",
        lua, share, share, lib, env.quote(env.KEY), lua, dir,
        env.quote(m.url), env.quote(m.cafile), closed))
      assert.equal(0, code, out)
      assert.equal("/contact/124", field(out, "path"), out)
      assert.equal("/contact/124", field(out, "concat"), out)
      assert.equal("nil network", field(out, "closed"), out)
      assert.is_truthy(field(out, "emulator"):match("^%d%d%d$"), out)
      local seen = env.requests(m)
      assert.equal(1, #seen)
      assert.matches("/contact/124$", seen[1].path)
      assert.is_true(seen[1].key_valid)
      env.sh("rm -rf " .. env.quote(dir))
    end)
  end
end)
