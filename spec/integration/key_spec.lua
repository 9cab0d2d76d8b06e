-- The key: sent to the pinned origin only, and never visible in errors,
-- results, traces or tostring.
local env = require "support.env"
local taskip = require "taskip"

describe("the secret key", function()
  local m

  setup(function() m = env.mock() end)
  teardown(function() m:stop() end)
  before_each(function() m:reset() end)

  it("appears in no error of any kind", function()
    local c = env.client(m, { max_retries = 0 })
    local errs = {}
    local function collect(v, err)
      assert.is_nil(v)
      errs[#errs + 1] = err
    end
    collect(c:get("/contact/999999"))                          -- not_found
    collect(c:post("/contact", {}))                            -- validation
    m:faults { fail = 1 }; collect(c:get("/contact"))          -- server
    m:faults { malformed = 1 }; collect(c:get("/contact"))     -- decode
    m:faults { redirect = "https://127.0.0.1:1/x" }; collect(c:get("/contact"))
    m:faults { redirect = false }
    m:faults { drop_mid_body = 1 }; collect(c:get("/contact")) -- network
    local wrong = env.client(m, { secret_key = "wrong-key-not-a-secret" })
    collect(wrong:get("/contact"))                             -- auth
    assert.equal(7, #errs)
    for _, err in ipairs(errs) do
      assert.is_false(env.contains(err, env.KEY), tostring(err))
      assert.is_nil(tostring(err):find(env.KEY, 1, true))
    end
    c:close()
    wrong:close()
  end)

  it("is redacted from the debug trace, which still shows the header was sent", function()
    local trace = {}
    local c = env.client(m, { debug = function(t) trace[#trace + 1] = t end })
    assert(c:get("/contact"))
    local text = table.concat(trace)
    assert.matches("X%-Secret%-Key: ", text)
    assert.is_nil(text:find(env.KEY, 1, true))
    c:close()
  end)

  it("is not in the client table, its core or the results", function()
    local c = env.client(m)
    local page, meta = c:get("/contact")
    assert.is_false(env.contains(c, env.KEY))
    assert.is_false(env.contains(page, env.KEY))
    assert.is_false(env.contains(meta, env.KEY))
    c:close()
  end)

  it("is read from TASKIP_SECRET_KEY, with base URL and CA from the environment", function()
    local script = os.tmpname()
    local f = assert(io.open(script, "w"))
    f:write [[
      local c = require("taskip").new{}
      local page = assert(c:get("/contact", { limit = 2 }))
      io.write(#page.data, " ", c.base_url)
    ]]
    f:close()
    local out, code = env.run(string.format(
      "TASKIP_SECRET_KEY=%s TASKIP_BASE_URL=%s TASKIP_CAFILE=%s lua5.4 %s",
      env.KEY, m.url, m.cafile, script))
    os.remove(script)
    assert.equal(0, code, out)
    assert.equal("2 " .. m.url, out)
    assert.is_true(env.requests(m)[1].key_valid)
  end)

  it("an absolute URL to another origin is refused before the key could go there", function()
    local other = env.mock { secret_key = "other-key-not-a-secret" }
    local c = env.client(m)
    assert.has_error(function() c:get(other.url .. "/contact") end)
    assert.equal(0, other:stats().total_requests)
    c:close()
    other:stop()
  end)

  it("is wiped on close: a closed client can send nothing", function()
    local c = env.client(m)
    c:close()
    assert.has_error(function() c:get("/contact") end)
    assert.equal(0, m:stats().total_requests)
  end)

  it("makes taskip.new raise without a key, pointing at the variable", function()
    local out, code = env.run("env -u TASKIP_SECRET_KEY lua5.4 -e 'require(\"taskip\").new{}'")
    assert.is_not.equal(0, code)
    assert.matches("TASKIP_SECRET_KEY", out)
    assert.is_not_nil(taskip.version)
  end)
end)
