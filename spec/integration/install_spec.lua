-- make install as a new user does it: a clean copy of the tree (the files
-- git knows, as a clone has them), `make`,
-- then `make install PREFIX=DIR` (and DESTDIR). The installed tools find
-- their Lua modules relative to themselves: taskip-run --mock works with
-- no LUA_PATH, from another directory, and again after the whole tree is
-- moved elsewhere.
local env = require "support.env"

local q = env.quote

-- Runs cmd with no Lua paths from this process (a user's shell).
local function bare(cmd)
  return env.sh("env -u LUA_PATH -u LUA_CPATH -u LUA_PATH_5_4 -u LUA_CPATH_5_4 "
    .. "-u TASKIP_LUA_DIR -u TASKIP_SECRET_KEY " .. cmd)
end

local EXAMPLE = env.read("examples/list_contacts.lua")

describe("make install", function()
  local dir, src

  setup(function()
    dir = env.tmpdir()
    src = dir .. "/src"
    local out, code = env.sh(string.format(
      "mkdir -p %s && git ls-files -z --cached --others --exclude-standard | "
        .. "xargs -0 cp --parents -t %s && cd %s && make -s -j1 all",
      q(src), q(src), q(src)))
    assert.equal(0, code, out)
    env.write(dir .. "/list_contacts.lua", EXAMPLE)
  end)
  teardown(function()
    env.sh("rm -rf " .. q(dir))
  end)

  it("PREFIX=DIR gives tools that run a script against the emulator, "
    .. "and still do after mv DIR", function()
    local prefix = dir .. "/prefix"
    local out, code = env.sh(string.format("cd %s && make -s -j1 install PREFIX=%s",
      q(src), q(prefix)))
    assert.equal(0, code, out)
    for _, where in ipairs { prefix, dir .. "/moved/elsewhere" } do
      if where ~= prefix then
        assert.equal(0, select(2, env.sh(string.format("mkdir -p %s && mv %s %s",
          q(dir .. "/moved"), q(prefix), q(where)))))
      end
      out, code = bare(string.format("sh -c 'cd / && exec %s --mock %s'",
        where .. "/bin/taskip-run", dir .. "/list_contacts.lua"))
      assert.equal(0, code, out)
      assert.matches("27 contacts; %d+ of 1000 requests left", out)
      -- taskip-mock alone, also with no LUA_PATH: prints its URL and exits on TERM
      out = bare(string.format(
        "sh -c '%s --port 0 > %s/mock.out 2>&1 & pid=$!; "
          .. "i=0; while [ $i -lt 100 ] && ! grep -q TASKIP_CAFILE %s/mock.out; do "
          .. "sleep 0.1; i=$((i+1)); done; kill $pid; wait $pid; cat %s/mock.out'",
        where .. "/bin/taskip-mock", dir, dir, dir))
      assert.matches("TASKIP_BASE_URL=https://127%.0%.0%.1:%d+/", out)
    end
  end)

  it("taskip-run maps no libmicrohttpd: the emulator is a program of its own", function()
    local out = env.sh("ldd " .. q(src .. "/build/taskip-run"))
    assert.is_nil(out:match("libmicrohttpd"), out)
  end)

  it("honours DESTDIR: the files land under it, the tools run from the PREFIX", function()
    local stage, prefix = dir .. "/stage", dir .. "/opt/tk"
    local out, code = env.sh(string.format(
      "cd %s && make -s -j1 install PREFIX=%s DESTDIR=%s", q(src), q(prefix), q(stage)))
    assert.equal(0, code, out)
    assert.is_truthy(io.open(stage .. prefix .. "/bin/taskip-run"))
    assert.is_nil(io.open(prefix .. "/bin/taskip-run"))
    out, code = env.sh(string.format("mkdir -p %s && cp -r %s/. %s/",
      q(prefix), q(stage .. prefix), q(prefix)))
    assert.equal(0, code, out)
    out, code = bare(string.format("%s --mock %s", prefix .. "/bin/taskip-run",
      dir .. "/list_contacts.lua"))
    assert.equal(0, code, out)
  end)

  it("rebuilds what depends on the install dirs when they change", function()
    local out = env.sh(string.format("cd %s && make -j1 all LUADIR=/nowhere/lua 2>&1",
      q(src)))
    assert.matches("%-c src/host%.c", out)
    assert.is_nil(out:match("%-c src/client%.c"), out)
    out = env.sh(string.format("cd %s && make -j1 all LUADIR=/nowhere/lua 2>&1", q(src)))
    assert.is_nil(out:match("%-c src/host%.c"), out)
  end)
end)
