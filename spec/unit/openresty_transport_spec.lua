-- The transport option outside nginx: curl by default, "ngx" refused
-- with a message saying what it needs, anything else refused.
local taskip = require "taskip"

local KEY = "test-key-not-real"

describe("transport option outside nginx", function()
  it("defaults to curl when there is no ngx global", function()
    local c = taskip.new { secret_key = KEY }
    assert.equal("curl", c.transport)
    c:close()
  end)

  it("refuses transport 'ngx' without nginx's lua module, naming ngx.socket", function()
    local ok, err = pcall(taskip.new, { secret_key = KEY, transport = "ngx" })
    assert.is_false(ok)
    assert.matches("transport 'ngx' needs nginx's lua module", err, 1, true)
    assert.not_matches(KEY, err, 1, true)
  end)

  it("refuses an unknown transport", function()
    local ok, err = pcall(taskip.new, { secret_key = KEY, transport = "carrier-pigeon" })
    assert.is_false(ok)
    assert.matches("option 'transport' must be \"curl\" or \"ngx\"", err, 1, true)
  end)
end)
