-- Resource methods generated from the endpoint table, checked without a
-- server: naming, arguments, placeholders. (Calls are in integration.)
local taskip = require "taskip"

local KEY = "test-key-not-a-secret"
local c = taskip.new { secret_key = KEY, base_url = "https://127.0.0.1:9/api/public-v1",
  max_retries = 0 }

local function resource_of(name)
  local r = c
  for part in name:gmatch("[^.]+") do r = r[part] end
  return r
end

describe("generated resources", function()
  it("give every method of the table a function on the client", function()
    local n = 0
    for _, e in ipairs(taskip.endpoints()) do
      if not e.alias then
        local r = resource_of(e.resource)
        assert.is_function(r[e.method_name], e.name)
        n = n + 1
      end
    end
    assert.equal(213, n)
  end)

  it("list every endpoint with name, method, path and group", function()
    local all = taskip.endpoints()
    assert.equal(228, #all)
    local send
    for _, e in ipairs(all) do
      assert.is_string(e.name)
      assert.is_string(e.method)
      assert.is_string(e.path)
      assert.is_string(e.group)
      if e.name == "invoice:send_to_client" and not e.alias then send = e end
    end
    assert.same({ "POST", "/invoice/sent/{id}", "invoice", { "id" } },
      { send.method, send.path, send.group, send.placeholders })
  end)

  it("offer each/all on paged lists, and each_<name> on lists read by POST", function()
    assert.is_function(c.contact.each)
    assert.is_function(c.pipeline.deal.all)
    assert.is_function(c.project.each_activity)
    assert.is_nil(c.contact.each_bulk_delete)
  end)

  it("raise naming a missing placeholder", function()
    assert.has_error(function() c.project.task:get("p-1") end,
      "taskip: project.task:get: missing 'id'")
  end)

  for _, bad in ipairs { "../x", "1/2", "..", ".", "", "a\\b" } do
    it("refuse the id " .. string.format("%q", bad) .. " before it can change the path", function()
      local ok, err = pcall(c.contact.get, c.contact, bad)
      assert.is_false(ok)
      assert.matches("contact:get: bad 'id'", err, 1, true)
    end)
  end

  it("raise on a placeholder that is neither string nor number", function()
    assert.has_error(function() c.invoice:get({}) end,
      "taskip: invoice:get: bad 'id' (string or number expected, got table)")
  end)

  it("raise on a query that is not a table", function()
    local ok, err = pcall(c.contact.list, c.contact, "search=x")
    assert.is_false(ok)
    assert.matches("bad argument 'query' to contact:list", err, 1, true)
  end)

  it("keep unknown names nil instead of inventing endpoints", function()
    assert.is_nil(c.nonsense)
    assert.is_nil(c.contact.frobnicate)
  end)
end)

describe("the API reference", function()
  -- The interpreter running this spec, so the C module on package.cpath
  -- is one it can load: lua5.4, lua5.3, lua5.1 or luajit.
  local lua = rawget(_G, "jit") and "luajit" or "lua" .. _VERSION:match("%d+%.%d+")

  it("is current: docs/API.md is what make docs generates from the table", function()
    local p = io.popen(string.format("LUA_PATH='%s;;' LUA_CPATH='%s;;' %s scripts/api_doc.lua",
      package.path, package.cpath, lua))
    local generated = p:read("*a")
    p:close()
    local f = assert(io.open("docs/API.md"))
    local committed = f:read("*a")
    f:close()
    assert.is_true(#generated > 1000)
    assert.equal(generated, committed, "run make docs")
  end)
end)
