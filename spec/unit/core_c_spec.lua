-- The C core alone: build/core-test (spec/c/core_test.c) plans attempts
-- and plays the transport by hand, linked with the core's objects,
-- uriparser and libm only. These specs run it, check that every test
-- function in the source ran and passed, and that the program really
-- links no libcurl (and no Lua).
--
-- The program holds no Lua, so one run is enough: on the other Luas of
-- make test-luas (whose builds have no core-test) it is pending.
-- $TASKIP_BUILD picks another build (make sanitize: build-asan).
local BUILD = os.getenv("TASKIP_BUILD") or "build"
local BIN = BUILD .. "/core-test"
local SOURCE = "spec/c/core_test.c"

local function quote(s)
  return "'" .. tostring(s):gsub("'", "'\\''") .. "'"
end

-- Output and exit status of a shell command (Lua 5.1's close() does not
-- give the status, so the shell prints it last).
local function sh(cmd)
  local p = assert(io.popen(cmd .. ' 2>&1; echo "exit=$?"'))
  local out = p:read("*a")
  p:close()
  local code = tonumber(out:match("exit=(%d+)%s*$"))
  return (out:gsub("exit=%d+%s*$", "")), code
end

-- The names of the test functions in the source ("static void test_X(void)").
local function test_names()
  local f = assert(io.open(SOURCE, "rb"))
  local src = f:read("*a")
  f:close()
  local names = {}
  for name in src:gmatch("\nstatic void test_([%w_]+)%(void%)") do
    names[#names + 1] = name
  end
  return names
end

describe("the C core (build/core-test)", function()
  if _VERSION ~= "Lua 5.4" then
    pending("runs once, on Lua 5.4: the program has no Lua in it")
    return
  end

  it("passes every test function of spec/c/core_test.c", function()
    local out, code = sh(quote(BIN))
    assert.equal(0, code, out)
    local passed, failed = out:match("\ncore_test: (%d+) passed, (%d+) failed%s*$")
    assert.is_not_nil(passed, "no summary line:\n" .. out)
    passed, failed = tonumber(passed), tonumber(failed)
    assert.equal(0, failed, out)
    local names = test_names()
    assert.is_true(#names >= 30, "only " .. #names .. " test functions found in " .. SOURCE)
    assert.is_true(passed >= #names, passed .. " passed of " .. #names .. " tests:\n" .. out)
    for _, name in ipairs(names) do
      assert.is_truthy(("\n" .. out):find("\nok   " .. name .. "\n", 1, true),
        "no 'ok   " .. name .. "' line:\n" .. out)
    end
    assert.is_falsy(out:find("\nFAIL ", 1, true), out)
  end)

  it("links no libcurl: ldd lists none and nm -u shows no curl_ symbol", function()
    local libs, code = sh("ldd " .. quote(BIN))
    assert.equal(0, code, libs)
    assert.is_truthy(libs:find("liburiparser", 1, true), libs)   -- ldd did read it
    assert.is_falsy(libs:find("libcurl", 1, true), libs)
    assert.is_falsy(libs:find("liblua", 1, true), libs)
    local syms
    syms, code = sh("nm -u " .. quote(BIN))
    assert.equal(0, code, syms)
    assert.is_truthy(syms:find("uriParse", 1, true), syms)        -- nm did read it
    assert.is_falsy(syms:find("curl_", 1, true), syms)
    assert.is_falsy(syms:find("lua_", 1, true), syms)
  end)
end)
