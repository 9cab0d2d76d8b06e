-- taskip.json: lua-cjson with depth limits and integers kept integers.
local json = require "taskip.json"

describe("taskip.json", function()
  it("decodes integral numbers as Lua integers so ids format as 124, not 124.0", function()
    local v = json.decode('{"id":124,"nested":[{"n":7}],"big":9007199254740992}')
    assert.equal("integer", math.type(v.id))
    assert.equal("/contact/124", "/contact/" .. v.id)
    assert.equal("integer", math.type(v.nested[1].n))
    assert.equal("integer", math.type(v.big))
  end)

  it("keeps real fractions as floats", function()
    local v = json.decode('{"amount":3900.5,"tiny":1e-3}')
    assert.equal(3900.5, v.amount)
    assert.equal("float", math.type(v.tiny))
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
