-- taskip.json: lua-cjson with depth limits and integers kept integers.
-- On 5.3+ integral values become Lua integers; 5.1 and LuaJIT have no
-- integer subtype, so there the values stay numbers (which already
-- print without ".0") and paths go through taskip.query.number.
local json = require "taskip.json"
local query = require "taskip.query"

-- math.type is 5.3+: nil on 5.1 and LuaJIT.
local math_type = math.type   -- luacheck: ignore 143

describe("taskip.json", function()
  it("decodes integral numbers so ids format as 124, not 124.0", function()
    local v = json.decode('{"id":124,"nested":[{"n":7}],"big":9007199254740992}')
    assert.equal("/contact/124", "/contact/" .. v.id)
    assert.equal("/contact/124", "/contact/" .. query.number(v.id))
    assert.equal("7", tostring(v.nested[1].n))
    assert.equal("9007199254740992", query.number(v.big))
    if math_type then
      assert.equal("integer", math_type(v.id))
      assert.equal("integer", math_type(v.nested[1].n))
      assert.equal("integer", math_type(v.big))
      assert.equal("/x/9007199254740992", "/x/" .. v.big)
    end
  end)

  it("keeps real fractions as floats", function()
    local v = json.decode('{"amount":3900.5,"tiny":1e-3,"id":2}')
    assert.equal(3900.5, v.amount)
    assert.equal(0.001, v.tiny)
    assert.equal("3900.5", query.number(v.amount))
    if math_type then
      assert.equal("float", math_type(v.tiny))
    end
  end)

  it("decodes a bare number or string as itself", function()
    assert.equal(124, json.decode("124"))
    assert.equal("124", query.number(json.decode("124")))
    assert.equal(0.25, json.decode("0.25"))
    assert.equal("x", json.decode('"x"'))
    if math_type then assert.equal("integer", math_type(json.decode("124"))) end
  end)

  it("refuses nesting deeper than its limit instead of exhausting the stack", function()
    local v, err = json.decode(("["):rep(100000) .. ("]"):rep(100000))
    assert.is_nil(v)
    assert.matches("nested", err)
  end)

  it("returns nil and a message for malformed text", function()
    local v, err = json.decode('{"data": [1, 2')
    assert.is_nil(v)
    assert.is_string(err)
  end)

  it("round-trips through encode", function()
    local text = json.encode({ a = 1, b = { "x", "y" } })
    assert.same({ a = 1, b = { "x", "y" } }, json.decode(text))
  end)
end)
