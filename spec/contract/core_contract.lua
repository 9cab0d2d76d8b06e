-- The taskip.core contract as checks (docs/core-contract.md): every
-- implementation of taskip.core (the blocking binding, the script
-- host's, OpenResty's) must pass the same ones. Plain Lua 5.1-5.4 with
-- no require, so the host can run it as a sandboxed script and nginx in
-- a handler. Expects an emulator that knows the client's key, with a
-- seeded contact store.
--
--   local contract = <this file's chunk>()
--   for name, ok, why in contract.run(core_or_nil, client) do ... end
--
-- core is the module (nil where a script cannot reach it: the host);
-- client is a core client made with core.new for that emulator.

local type, tostring, pcall, pairs, ipairs, error =
  type, tostring, pcall, pairs, ipairs, error
local find, format = string.find, string.format

local M = {}

local function check(cond, fmt, ...)
  if not cond then error(format(fmt, ...), 0) end
end

local function is_result(r)
  check(type(r) == "table", "result is a %s", type(r))
  check(type(r.ok) == "boolean", "result.ok is a %s", type(r.ok))
  check(type(r.kind) == "string", "result.kind is a %s", type(r.kind))
  check(type(r.status) == "number" and r.status % 1 == 0,
    "result.status is not a whole number")
  check(type(r.attempts) == "number", "result.attempts is missing")
  check(type(r.body) == "string", "result.body is a %s", type(r.body))
  check(type(r.headers) == "table", "result.headers is a %s", type(r.headers))
  for k, v in pairs(r.headers) do
    check(type(k) == "string" and k == k:lower() and type(v) == "string",
      "header %s is not a lowercase name with a string value", tostring(k))
  end
  if r.ok then
    check(r.kind == "ok" and r.message == nil, "ok result with kind %s", r.kind)
  else
    check(type(r.message) == "string" and r.message ~= "",
      "failed result without a message")
  end
end

-- Each case: name, function(core, client) raising on a broken promise.
local client_cases = {
  { "request GET answers a result table with the body and headers", function(_, c)
    local r = c:request("GET", "/contact", "page=1&limit=2")
    is_result(r)
    check(r.ok and r.status == 200 and r.attempts == 1,
      "GET /contact: ok=%s status=%s attempts=%s", tostring(r.ok),
      tostring(r.status), tostring(r.attempts))
    check(find(r.body, "^%s*{") ~= nil, "body is not the JSON object")
    check(r.headers["content-type"] ~= nil, "no content-type header")
  end },
  { "request POST sends the JSON body once", function(_, c)
    local r = c:request("POST", "/contact", nil,
      '{"first_name":"Contract","last_name":"Case","email":"contract@example.test"}')
    is_result(r)
    check(r.ok and r.attempts == 1, "POST /contact: kind %s, attempts %s",
      r.kind, tostring(r.attempts))
  end },
  { "an unknown id gives kind not_found with status 404", function(_, c)
    local r = c:request("GET", "/contact/987654321")
    is_result(r)
    check(not r.ok and r.kind == "not_found" and r.status == 404,
      "kind %s status %s", r.kind, tostring(r.status))
  end },
  { "a rejected body gives kind validation with status 422", function(_, c)
    local r = c:request("POST", "/contact", nil, "{}")
    is_result(r)
    check(r.kind == "validation" and r.status == 422,
      "kind %s status %s", r.kind, tostring(r.status))
  end },
  { "a path to another origin raises before sending", function(_, c)
    local ok, err = pcall(c.request, c, "GET", "https://evil.example/x")
    check(not ok and find(tostring(err), "^taskip: refused path") ~= nil,
      "got %s", tostring(err))
    ok, err = pcall(c.request, c, "GET", "//evil.example/x")
    check(not ok and find(tostring(err), "refused path") ~= nil,
      "got %s", tostring(err))
  end },
  { "an unknown method raises", function(_, c)
    local ok, err = pcall(c.request, c, "BREW", "/contact")
    check(not ok and find(tostring(err), "unknown HTTP method") ~= nil,
      "got %s", tostring(err))
    for _, m in ipairs { "G ET", "GET\0POST", "" } do
      ok, err = pcall(c.request, c, m, "/contact")
      check(not ok and find(tostring(err), "^taskip: method: ") ~= nil,
        "%q: got %s", m, tostring(err))
    end
  end },
  { "GET and HEAD with a body raise naming body; a method in any case is sent", function(_, c)
    for _, m in ipairs { "GET", "head" } do
      local ok, err = pcall(c.request, c, m, "/contact", nil, "{}")
      check(not ok and find(tostring(err), "^taskip: body: a " .. m:upper()
        .. " request takes no body") ~= nil, "%s: got %s", m, tostring(err))
    end
    local r = c:request("get", "/contact", "limit=1")
    is_result(r)
    check(r.ok and r.status == 200, "get /contact: kind %s", r.kind)
  end },
  { "rate_limit answers the budget, the wait and the burst window", function(_, c)
    local r = c:rate_limit()
    check(type(r) == "table", "rate_limit() is a %s", type(r))
    for _, k in ipairs { "limit", "remaining", "reset" } do
      check(type(r[k]) == "number", "rate_limit().%s is a %s", k, type(r[k]))
      check(type(r.burst) == "table" and type(r.burst[k]) == "number",
        "rate_limit().burst.%s is missing", k)
    end
    check(type(r.wait) == "number" and r.wait >= 0, "rate_limit().wait")
  end },
  { "a parts body goes once as multipart/form-data, every part intact", function(_, c)
    local r = c:request("POST", "/ticket/1/attachments", nil, {
      { name = "description", data = "Contract upload" },
      { name = "files[]", filename = "a.txt", content_type = "text/plain", data = "hello" },
      { name = "files[]", filename = "b.bin", data = "\0\1\2\r\n--x" },
    })
    is_result(r)
    check(r.ok and r.attempts == 1, "upload: kind %s, attempts %s, %s", r.kind,
      tostring(r.attempts), r.body)
    for _, want in ipairs { '"a.txt"', '"b.bin"', '"size":5', '"size":8',
                            '"Contract upload"' } do
      check(find(r.body, want, 1, true) ~= nil, "the answer lacks %s: %s", want, r.body)
    end
  end },
  { "a part name that could forge a part header raises before sending", function(_, c)
    local ok, err = pcall(c.request, c, "POST", "/ticket/1/attachments", nil,
      { { name = 'files[]"\r\nX-Evil: 1', filename = "a.txt", data = "x" } })
    check(not ok and find(tostring(err), "parts[1].name", 1, true) ~= nil,
      "got %s", tostring(err))
    ok, err = pcall(c.request, c, "GET", "/ticket/1/attachments", nil,
      { { name = "files[]", data = "x" } })
    check(not ok and find(tostring(err), "takes no body", 1, true) ~= nil,
      "GET with parts: %s", tostring(err))
  end },
  { "tostring names the client and never shows the key", function(_, c)
    check(find(tostring(c), "^taskip%.client") ~= nil, "tostring: %s",
      tostring(c))
  end },
}

local module_cases = {
  { "escape percent-encodes all but RFC 3986 unreserved bytes", function(core)
    local e = core.escape("a b/\195\188~-._?&=")
    check(e == "a%20b%2F%C3%BC~-._%3F%26%3D", "escape gave %s", e)
  end },
  { "integers makes integral floats integers, in place, deeply", function(core)
    local v = core.integers({ id = 124.0, price = 3900.5, list = { 7.0 } })
    check(format("/contact/%s", tostring(v.id)) == "/contact/124",
      "id formats as %s", tostring(v.id))
    check(tostring(v.list[1]) == "7", "nested value formats as %s",
      tostring(v.list[1]))
    check(v.price == 3900.5, "a real fraction changed")
  end },
  { "version, user_agent and now", function(core)
    check(type(core.version) == "string" and find(core.version, "^%d+%.%d+%.%d+"),
      "version %s", tostring(core.version))
    check(type(core.user_agent) == "string" and find(core.user_agent, "^taskip/"),
      "user_agent %s", tostring(core.user_agent))
    check(type(core.now()) == "number" and core.now() > 1.6e9, "now()")
  end },
  { "new without a key raises, saying how to set one", function(core)
    local ok, err = pcall(core.new, { base_url = "https://api.example.test" })
    check(not ok and find(tostring(err), "TASKIP_SECRET_KEY") ~= nil,
      "got %s", tostring(err))
  end },
}

-- Runs last: the client is closed after it.
local closing_case = { "close is idempotent and a closed client raises", function(_, c)
  check(c:close() == true and c:close() == true, "close() did not answer true")
  local ok, err = pcall(c.request, c, "GET", "/contact")
  check(not ok and find(tostring(err), "closed") ~= nil, "got %s", tostring(err))
end }

--- Iterates over (name, ok, why) for every case that applies: module
--- cases only when core is given.
function M.run(core, client)
  local cases = {}
  if core then
    for _, c in ipairs(module_cases) do cases[#cases + 1] = c end
  end
  for _, c in ipairs(client_cases) do cases[#cases + 1] = c end
  cases[#cases + 1] = closing_case
  local i = 0
  return function()
    i = i + 1
    local case = cases[i]
    if not case then return nil end
    local ok, why = pcall(case[2], core, client)
    return case[1], ok, why
  end
end

--- The names of the cases that apply, in order.
function M.names(with_module)
  local out = {}
  for name in M.run(with_module and {} or nil, nil) do out[#out + 1] = name end
  return out
end

return M
