-- The handler of docs/openresty.md, taken from the document as it is,
-- runs in nginx against the emulator: the example a user copies works.
local env = require "support.env"
local nginx = require "support.nginx"
local cjson = require "cjson"

-- The ```lua block after the line that names crm.lua.
local function handler_from_docs()
  local doc = assert(env.read("docs/openresty.md"))
  local code = doc:match("`/etc/nginx/lua/crm%.lua`:%s*```lua\n(.-)```")
  return assert(code, "docs/openresty.md has no crm.lua example")
end

describe("docs/openresty.md", function()
  local m, srv, dir

  setup(function()
    m = env.mock()
    dir = env.tmpdir()
    assert(os.execute("chmod 755 " .. dir))
    env.write(dir .. "/crm.lua", handler_from_docs())
    srv = nginx.start {
      trusted = m.cafile,
      lua_path = dir .. "/?.lua;",
      env = { TASKIP_SECRET_KEY = env.KEY,
        TASKIP_BASE_URL = nginx.by_name(m) },
      server = [[
        location = /contacts { content_by_lua_block { require("crm").contacts() } }
        location = /contacts/new { content_by_lua_block { require("crm").create() } }]],
    }
  end)

  teardown(function()
    if srv then srv:stop() end
    m:stop()
    os.execute("rm -rf " .. env.quote(dir))
  end)

  it("has a crm.lua handler that lists contacts through the emulator", function()
    local body, status = srv:get("/contacts?q=a")
    assert.equal(200, status, body .. srv:error_log())
    local list = cjson.decode(body)
    assert.is_true(#list > 0)
    assert.is_number(list[1].id)
    assert.equal(1, env.count(m, "GET /contact"))
  end)

  it("has a crm.lua handler that creates a contact, and maps a 422 to its status", function()
    local out = env.sh("curl -s -w ' %{http_code}' -d '{\"first_name\":\"Doc\",\"last_name\":"
      .. "\"Example\",\"email\":\"doc@example.com\"}' " .. srv.url .. "/contacts/new")
    assert.matches('^{"id":%d+}\n 201$', out)
    out = env.sh("curl -s -w ' %{http_code}' -d '{}' " .. srv.url .. "/contacts/new")
    assert.matches('"error":"validation"', out, 1, true)
    assert.matches(" 422$", out)
  end)
end)
