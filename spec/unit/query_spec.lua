-- taskip.query: query tables to percent-encoded strings.
local query = require "taskip.query"

describe("taskip.query", function()
  it("percent-encodes keys and values, sorted for stable URLs", function()
    assert.equal("limit=50&page=1&search=ann%20%26%20bob%3D%2F",
      query.encode { page = 1, limit = 50, search = "ann & bob=/" })
  end)

  it("writes arrays and maps in Laravel's bracket style", function()
    assert.equal("f%5Bstatus%5D=open&ids%5B%5D=1&ids%5B%5D=2",
      query.encode { ids = { 1, 2 }, f = { status = "open" } })
  end)

  it("writes booleans as 1/0 and integral floats without .0", function()
    assert.equal("a=1&b=0&id=124&x=0.5",
      query.encode { a = true, b = false, id = 124.0, x = 0.5 })
  end)

  it("writes integral numbers in full on every Lua, not as 1.2345678901234e+14", function()
    assert.equal("123456789012345", query.number(123456789012345))
    assert.equal("9007199254740992", query.number(2 ^ 53))
    assert.equal("-7", query.number(-7.0))
    assert.equal("0", query.number(-0.0))
    assert.equal("0.5", query.number(0.5))
    assert.equal(1e300, tonumber(query.number(1e300)))   -- real values round-trip
    assert.equal("id=123456789012345", query.encode { id = 123456789012345.0 })
  end)

  it("gives nil for no query", function()
    assert.is_nil(query.encode(nil))
    assert.is_nil(query.encode({}))
  end)

  it("rejects values it cannot encode, naming them", function()
    assert.has_error(function() query.encode { cb = print } end,
      "taskip: query value 'cb' must be a string, number, boolean or table (got function)")
  end)
end)
