-- The taskip.core contract (docs/core-contract.md), the same cases as
-- core_contract_spec.lua runs against the blocking binding and the
-- script host, run inside nginx against taskip.ngx.
local env = require "support.env"
local nginx = require "support.nginx"
local cjson = require "cjson"

local contract = assert(loadfile("spec/contract/core_contract.lua"))()

describe("the taskip.core contract", function()
  local m, srv

  setup(function()
    m = env.mock()
    srv = nginx.start {
      trusted = m.cafile,
      -- no TASKIP_SECRET_KEY: a case checks that new{} without a key raises
      env = { TEST_KEY = env.KEY,
        TASKIP_BASE_URL = nginx.by_name(m) },
      server = [[location /run/ { content_by_lua_block { require("support.ngx_app").run() } }]],
    }
  end)

  teardown(function()
    if srv then srv:stop() end
    m:stop()
  end)

  it("holds for OpenResty's core (taskip.ngx, cosockets)", function()
    local body, status = srv:get("/run/contract")
    assert.equal(200, status, body .. srv:error_log())
    local got = {}
    for _, r in ipairs(cjson.decode(body)) do
      assert(r.ok, r.name .. ": " .. tostring(r.why))
      got[#got + 1] = r.name
    end
    assert.same(contract.names(true), got)
  end)
end)
