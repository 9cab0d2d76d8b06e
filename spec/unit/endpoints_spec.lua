-- The endpoint table against the API's documented endpoint list
-- (../shared/taskip-api/endpoints.tsv beside the checkout).
local endpoints = require "taskip.endpoints"

local TSV = "../shared/taskip-api/endpoints.tsv"

local function documented()
  local f = io.open(TSV)
  if not f then return nil end
  local rows = {}
  local header = true
  for line in f:lines() do
    if header then
      header = false
    else
      local cols = {}
      for col in (line .. "\t"):gmatch("([^\t]*)\t") do cols[#cols + 1] = col end
      rows[#rows + 1] = { group = cols[1], method = cols[2], path = cols[3], tier = cols[7] }
    end
  end
  f:close()
  return rows
end

local TIER = { primary = nil, variant = "variant", ["examples-only"] = "examples" }

describe("the endpoint table", function()
  local rows = documented()

  if not rows then
    pending("needs " .. TSV)
    return
  end

  it("has exactly one row per documented endpoint, with its tier and group", function()
    local ours = {}
    for _, e in ipairs(endpoints) do
      local key = e[4] .. " " .. e[5]
      assert.is_nil(ours[key], "twice: " .. key)
      ours[key] = e
    end
    local primary = 0
    for _, d in ipairs(rows) do
      local key = d.method .. " " .. d.path
      local e = ours[key]
      assert.is_table(e, "missing: " .. key)
      assert.equal(TIER[d.tier], e.tier, key)
      assert.equal(d.group, e[1], key)
      if d.tier == "primary" then primary = primary + 1 end
      ours[key] = nil
    end
    assert.is_nil(next(ours), "not documented: " .. tostring(next(ours)))
    assert.equal(207, primary)
    assert.equal(228, #endpoints)
  end)
end)

describe("the endpoint table's own rules", function()
  local function placeholders(path)
    local n = 0
    for _ in path:gmatch("{[%w_]+}") do n = n + 1 end
    return n
  end

  it("names each method once, and every alias names a method with the same arguments", function()
    local methods = {}
    for _, e in ipairs(endpoints) do
      if not e.alias then
        local id = e[2] .. ":" .. e[3]
        assert.is_nil(methods[id], "two rows for " .. id)
        methods[id] = e
      end
    end
    for _, e in ipairs(endpoints) do
      if e.alias then
        local target = methods[e[2] .. ":" .. e[3]]
        assert.is_table(target, "alias of nothing: " .. e[5])
        assert.equal(target[4], e[4])
        assert.equal(placeholders(target[5]), placeholders(e[5]), e[5])
        assert.equal("variant", e.tier)
      end
    end
  end)

  it("uses snake_case names and known list styles", function()
    local styles = { page = true, body = true, item = true }
    for _, e in ipairs(endpoints) do
      assert.matches("^[a-z][a-z_]*$", e[3])
      assert.matches("^[a-z_.]+$", e[2])
      assert.is_true(e.list == nil or styles[e.list], e[5])
      assert.is_true(e.pdf == nil or e[4] == "GET", e[5])
    end
  end)

  it("never lets a method name shadow a child resource", function()
    local children = {}
    for _, e in ipairs(endpoints) do
      local parent, child = e[2]:match("^(.*)%.([^.]+)$")
      if parent then children[parent .. ":" .. child] = true end
    end
    for _, e in ipairs(endpoints) do
      assert.is_nil(children[e[2] .. ":" .. e[3]], e[2] .. ":" .. e[3])
    end
  end)
end)
