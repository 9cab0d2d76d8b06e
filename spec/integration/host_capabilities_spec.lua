-- --allow and --dry-run, checked at the emulator: a denied call and a
-- dry-run write never reach it.
local env = require "support.env"
local q, write, sh = env.quote, env.write, env.sh

local RUN = env.bin("taskip-run")




describe("taskip-run capabilities", function()
  local m, dir

  local function run(opts, script)
    write(dir .. "/s.lua", script)
    return sh("TASKIP_SECRET_KEY=" .. q(env.KEY) .. " " .. RUN .. " --base-url " .. q(m.url)
      .. " --cafile " .. q(m.cafile) .. " " .. opts .. " " .. q(dir .. "/s.lua"))
  end

  before_each(function()
    m = env.mock()
    dir = env.tmpdir()
  end)

  after_each(function()
    os.execute("rm -rf " .. q(dir))
    m:stop()
  end)

  it("--allow lets matching calls through and denies the rest, unsent", function()
    local out, code = run("--allow 'GET:/contact*,POST:/invoice/*/send-to-client'", [[
      assert(taskip:get("/contact", { limit = 1 }))
      assert(taskip.contact:get(1))
      local res, err = taskip:post("/contact", { first_name = "X", email = "x@example.com" })
      print(res, err.kind, err.message)
      local _, err2 = taskip:delete("/contact/1")
      print(err2.kind)
      local _, err3 = taskip:get("/invoice")
      print(err3.kind, tostring(err3))
    ]])
    assert.are.equal(0, code, out)
    assert.truthy(out:find("nil\tdenied\tPOST /contact is not allowed", 1, true), out)
    assert.truthy(out:find("\ndenied\n", 1, true), out)
    assert.truthy(out:find("taskip: denied: GET /invoice", 1, true), out)
    assert.truthy(out:find("denied: POST /contact (not in --allow)", 1, true), out)
    assert.are.equal(1, env.count(m, "GET /contact"))
    assert.are.equal(1, env.count(m, "GET /contact/{id}"))
    assert.are.equal(0, env.count(m, "POST /contact"))
    assert.are.equal(0, env.count(m, "DELETE /contact/{id}"))
    assert.are.equal(0, env.count(m, "GET /invoice"))
  end)

  it("--allow with only a path allows every method on it", function()
    local out, code = run("--allow '/contact'", [[
      assert(taskip:get("/contact"))
      local _, err = taskip:get("/contact/1")
      assert(err.kind == "denied")
      print("ok")
    ]])
    assert.are.equal(0, code, out)
  end)

  it("a bad --allow list is a usage error", function()
    local out, code = run("--allow 'GET:contact'", "print(1)")
    assert.are.equal(2, code, out)
    assert.truthy(out:find("must start with '/'", 1, true), out)
  end)

  it("--dry-run sends reads, logs writes and answers them without sending", function()
    local out, code = run("--dry-run", [[
      local page = assert(taskip:get("/contact", { limit = 2 }))
      local r = assert(taskip:post("/contact", { first_name = "Dry", email = "dry@example.com" }))
      print(r.dry_run, r.method, r.path)
      r = assert(taskip.contact:delete(1))
      print(r.dry_run, r.method, r.path)
      print(#page.data)
    ]])
    assert.are.equal(0, code, out)
    assert.truthy(out:find("true\tPOST\t/contact\n", 1, true), out)
    assert.truthy(out:find("true\tDELETE\t/contact/1\n", 1, true), out)
    assert.truthy(out:find('dry-run: POST /contact{"', 1, true)
      or out:find("dry-run: POST /contact", 1, true), out)
    assert.truthy(out:find("dry@example.com", 1, true), out)
    assert.are.equal(1, env.count(m, "GET /contact"))
    assert.are.equal(0, env.count(m, "POST /contact"))
    assert.are.equal(0, env.count(m, "DELETE /contact/{id}"))
  end)
end)
