-- Misuse raises with the parameter's name; the origin is pinned before
-- anything is sent. No server is needed: nothing here reaches one.
local taskip = require "taskip"

local KEY = "test-key-not-a-secret"
local BASE = "https://127.0.0.1:9/api/public-v1"   -- discard port: unused

local function client(extra)
  local opts = { secret_key = KEY, base_url = BASE, max_retries = 0 }
  for k, v in pairs(extra or {}) do opts[k] = v end
  return taskip.new(opts)
end

describe("taskip.new", function()
  it("without a key raises, saying how to set TASKIP_SECRET_KEY", function()
    assert.is_nil(os.getenv("TASKIP_SECRET_KEY"))
    local ok, err = pcall(taskip.new, { base_url = BASE })
    assert.is_false(ok)
    assert.matches("TASKIP_SECRET_KEY", err)
    assert.matches("secret_key", err)
  end)

  it("names a mistyped option", function()
    assert.has_error(function() client { timout = 3 } end,
      "taskip.new: unknown option 'timout'")
  end)

  it("names an option of the wrong type", function()
    local ok, err = pcall(client, { timeout = "3" })
    assert.is_false(ok)
    assert.matches("option 'timeout' must be a positive number %(got string%)", err)
    assert.has_error(function() client { rate_limit = "sometimes" } end,
      "taskip.new: option 'rate_limit' must be \"wait\" or \"error\"")
    assert.has_error(function() client { secret_key = 42 } end,
      "taskip.new: option 'secret_key' must be a string (got number)")
  end)

  it("refuses a base_url that is not https", function()
    local ok, err = pcall(client, { base_url = "http://api.example.com/v1" })
    assert.is_false(ok)
    assert.matches("https", err)
  end)

  it("allows plain http only to loopback, and only when asked", function()
    assert.is_false(pcall(client, { base_url = "http://127.0.0.1:9/api" }))
    assert.is_true(pcall(client, { base_url = "http://127.0.0.1:9/api", allow_http = true }))
    assert.is_false(pcall(client, { base_url = "http://10.1.2.3/api", allow_http = true }))
  end)

  it("refuses a base_url with credentials, query or garbage", function()
    assert.is_false(pcall(client, { base_url = "https://u:p@example.com/api" }))
    assert.is_false(pcall(client, { base_url = "https://example.com/api?x=1" }))
    assert.is_false(pcall(client, { base_url = "not a url" }))
  end)

  it("never shows the key in tostring", function()
    local c = client()
    assert.matches("^taskip.client", tostring(c))
    assert.is_nil(tostring(c):find(KEY, 1, true))
    assert.is_nil(tostring(c._core):find(KEY, 1, true))
  end)

  it("hides the core's metatable", function()
    local c = client()
    assert.is_false(getmetatable(c._core))
  end)
end)

describe("the pinned origin", function()
  local c = client()
  local refused = {
    ["an absolute URL to another host"] = "https://evil.example/x",
    ["the same host on another port"] = "https://127.0.0.1:10/api/public-v1/x",
    ["another scheme"] = "http://127.0.0.1:9/api/public-v1/x",
    ["a scheme-relative //host path"] = "//evil.example/x",
    ["encoded slashes"] = "/%2F%2Fevil.example",
    ["a dot-dot segment"] = "/contact/../../admin",
    ["a path outside base_url"] = "https://127.0.0.1:9/admin",
    ["CR/LF header injection"] = "/contact\r\nX-Evil: 1",
    ["a backslash"] = "/\\evil.example",
    ["a path without a leading slash"] = "contact",
    ["a userinfo trick"] = "https://127.0.0.1:9@evil.example/api/public-v1/x",
  }
  for what, path in pairs(refused) do
    it("refuses " .. what .. " before sending anything", function()
      local ok, err = pcall(c.get, c, path)
      assert.is_false(ok)
      assert.matches("refused path", err)
    end)
  end

  it("accepts a same-origin absolute URL, like the API's own page links", function()
    local v, err = c:get(BASE .. "/contact?page=2")
    assert.is_nil(v)
    assert.equal("network", err.kind)      -- it was sent: nothing listens
  end)

  it("raises on a closed client, and close is safe twice", function()
    local d = client()
    assert.is_true(d:close())
    assert.is_true(d:close())
    assert.has_error(function() d:get("/contact") end)
  end)
end)

describe("misuse errors", function()
  local c = client()
  local here = debug.getinfo(1, "S").short_src

  local cases = {
    ["a refused path"] = function() c:get("https://evil.example/") end,
    ["a query that is not a table"] = function() c:get("/contact", "page=2") end,
    ["a body that cannot be JSON"] = function() c:post("/contact", { f = print }) end,
    ["a bad placeholder of a generated method"] = function() c.contact:get("../x") end,
    ["a bad query of a generated method"] = function() c.contact:list("x") end,
    ["bad request options"] = function() c:request("GET", "/x", 5) end,
  }
  -- PUC Lua 5.1 keeps a "(tail call)" frame where the caller was, and
  -- c:get, c:post and c:request tail-call init.lua's shared request
  -- function: there these raise without a position until init.lua
  -- stops tail-calling it. LuaJIT, 5.3 and 5.4 see the caller.
  local tail_call_hides_caller = _VERSION == "Lua 5.1" and not rawget(_G, "jit")
  local via_tail_call = { ["a refused path"] = true,
    ["a query that is not a table"] = true, ["a body that cannot be JSON"] = true }

  for what, f in pairs(cases) do
    if tail_call_hides_caller and via_tail_call[what] then
      it("raise for " .. what, function()
        local ok, err = pcall(f)
        assert.is_false(ok)
        assert.matches("taskip: ", err, 1, true)
      end)
      pending("point at the caller's line for " .. what .. " (PUC 5.1: init.lua tail call)")
    else
      it("point at the caller's line for " .. what, function()
        local ok, err = pcall(f)
        assert.is_false(ok)
        assert.equal(here, err:match("^(.-):%d+:"), err)
      end)
    end
  end
end)
